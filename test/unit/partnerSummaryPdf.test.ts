import { summarizePartner, type PartnerSummary } from '../../src/domain/partnerSummary';
import type { ReferralState } from '../../src/domain/referralLifecycle';
import { defaultNonAdmitReasons } from '../../src/domain/vocabulary';
import { renderPartnerSummaryPdf } from '../../src/sync/partnerSummaryPdf';

/** The lines of text a PDF draws: pdfkit writes each as a TJ array of hex strings (split where it kerns). */
function textOf(pdf: Buffer): string[] {
  const content = pdf.toString('latin1');
  return [...content.matchAll(/\[([^\]]*)\]\s*TJ/g)].map(([, array]) =>
    [...(array ?? '').matchAll(/<([0-9a-f]*)>/g)].map(([, hex]) => Buffer.from(hex ?? '', 'hex').toString('latin1')).join(''),
  );
}

/** Page objects, not the page tree (/Type /Pages). */
const pages = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;

function referral(n: number, receivedAt: string, rest: Partial<ReferralState>): ReferralState {
  return {
    referralKey: `REF-${n}`,
    patientHash: `p-${n}`,
    status: 'received',
    facts: { receivedAt, businessLine: 'home_health' },
    history: [],
    lastEventAt: receivedAt,
    ...rest,
  };
}

const october = { every: 'month', from: '2026-10-01', to: '2026-10-31' } as const;
const summary: PartnerSummary = summarizePartner(
  [
    referral(1, '2026-10-05T10:00:00-04:00', { status: 'admitted', socDate: '2026-10-06', firstVisitAt: '2026-10-06T12:00:00-04:00' }),
    referral(2, '2026-10-07T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'insurance_not_accepted' }),
    referral(3, '2026-09-07T10:00:00-04:00', { status: 'admitted', socDate: '2026-09-08', firstVisitAt: '2026-09-08T12:00:00-04:00' }),
  ],
  october,
  'America/New_York',
);
const input = {
  summary,
  names: { agency: 'Sunrise Home Health & Hospice', source: 'Mercy General Hospital' },
  preparedAt: new Date('2026-11-02T14:00:00Z'),
  timeZone: 'America/New_York',
};

describe("a partner summary's PDF", () => {
  it('is one US Letter page with the names, the period, the figures and the chart', async () => {
    const pdf = await renderPartnerSummaryPdf(input, { compress: false });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pages(pdf)).toBe(1);
    expect(pdf.toString('latin1')).toContain('/MediaBox [0 0 612 792]');
    const text = textOf(pdf);
    expect(text).toEqual(
      expect.arrayContaining([
        'SUNRISE HOME HEALTH & HOSPICE',
        'Mercy General Hospital',
        'Referral summary for October 2026 (October 1 \x96 31, 2026)',
        'Referrals received',
        'Conversion',
        '50% (1 of 2 referrals with an outcome)',
        '26 hours, over 1 start of care',
        '100% (1 of 1)',
        'Insurance not accepted',
        'Referrals and starts of care by month received',
        'May 2026',
        'Oct',
      ]),
    );
  });

  it('stays on one page with every reason and a name too long for a line, and is compressed by default', async () => {
    const crowded: PartnerSummary = {
      ...summary,
      nonAdmitted: 11,
      nonAdmitReasons: defaultNonAdmitReasons.map((r) => ({ reason: r.value, words: r.label, count: 1 })),
    };
    const names = { agency: 'Sunrise', source: `Mercy General Hospital ${'and Clinics '.repeat(20)}` };
    const pdf = await renderPartnerSummaryPdf({ ...input, summary: crowded, names }, { compress: false });
    expect(pages(pdf)).toBe(1);
    expect(textOf(pdf)).toEqual(expect.arrayContaining(['Other reasons']));
    const compressed = await renderPartnerSummaryPdf(input);
    expect(compressed.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pages(compressed)).toBe(1);
    expect(compressed.length).toBeLessThan((await renderPartnerSummaryPdf(input, { compress: false })).length);
  });

  it('is the same document every time it is drawn from the same summary', async () => {
    const first = await renderPartnerSummaryPdf(input, { compress: false });
    const again = await renderPartnerSummaryPdf(input, { compress: false });
    expect(again.equals(first)).toBe(true);
  });
});
