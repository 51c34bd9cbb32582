import { nonAdmitVocabulary } from '../../src/domain/nonAdmitReasons';
import { BusinessCalendar } from '../../src/domain/businessTime';
import { defaultFollowUpSettings, followUpSettingsSchema } from '../../src/domain/followUps';
import {
  duePartnerSummaryPeriods,
  latestReferralOf,
  partnerSummaryFollowUp,
  partnerSummaryText,
  periodContaining,
  periodDueAt,
  periodRange,
  periodTitle,
  previousPeriod,
  seriesOf,
  summarizePartner,
  type SummaryPeriod,
} from '../../src/domain/partnerSummary';
import type { ReferralState } from '../../src/domain/referralLifecycle';

/**
 * Partner summaries with hand-worked figures. The agency is in New York: EDT (UTC-4) until Sunday 2026-11-01, EST
 * (UTC-5) after. October 2026 begins on a Thursday and ends on a Saturday; US federal holidays close the agency.
 */

const NEW_YORK = 'America/New_York';
const calendar = new BusinessCalendar({ timeZone: NEW_YORK, holidayCalendar: 'US', ...defaultFollowUpSettings.businessHours });
const october: SummaryPeriod = { every: 'month', from: '2026-10-01', to: '2026-10-31' };

let n = 0;
function referral(receivedAt: string, rest: Partial<ReferralState> = {}, facts: ReferralState['facts'] = {}): ReferralState {
  n += 1;
  return {
    referralKey: `REF-${n}`,
    patientHash: `p-${n}`,
    status: 'received',
    facts: { receivedAt, businessLine: 'home_health', referringOrganization: { name: 'Mercy General Hospital' }, ...facts },
    history: [{ status: 'received', at: receivedAt, eventId: `e-${n}` }],
    lastEventAt: receivedAt,
    ...rest,
  };
}

const admitted = (receivedAt: string, socDate: string, firstVisitAt: string, facts: ReferralState['facts'] = {}) =>
  referral(receivedAt, { status: 'admitted', socDate, firstVisitAt }, facts);

/** Mercy General's referrals: eight received in October, two in September (one at 22:00 on the 30th, 02:00Z on October 1). */
const mercy: ReferralState[] = [
  // Monday the 5th 10:00 to Tuesday 12:00: 26 h; SOC the 6th <= 5th + 2: timely.
  admitted('2026-10-05T10:00:00-04:00', '2026-10-06', '2026-10-06T12:00:00-04:00'),
  // Friday the 9th 16:00 to Monday the 12th 10:00: 66 h; SOC the 12th > the 11th, no inpatient discharge: not timely.
  admitted('2026-10-09T16:00:00-04:00', '2026-10-12', '2026-10-12T10:00:00-04:00', { inpatientDischargeIn14Days: 'none' }),
  // Wednesday the 14th 09:00 to Friday the 16th 15:00: 54 h; SOC the 16th = 14th + 2: timely.
  admitted('2026-10-14T09:00:00-04:00', '2026-10-16', '2026-10-16T15:00:00-04:00'),
  // Monday the 19th 08:00 to Tuesday the 20th 12:00: 28 h; timely.
  admitted('2026-10-19T08:00:00-04:00', '2026-10-20', '2026-10-20T12:00:00-04:00'),
  referral('2026-10-20T11:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'insurance_not_accepted' }),
  referral('2026-10-22T13:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'outside_service_area' }),
  referral('2026-10-28T15:00:00-04:00', { status: 'accepted' }),
  // 23:30 EDT on Saturday the 31st is 03:30Z on November 1: received in October.
  referral('2026-10-31T23:30:00-04:00', { status: 'cancelled', cancelledBy: 'source' }),
  admitted('2026-09-15T10:00:00-04:00', '2026-09-16', '2026-09-16T11:00:00-04:00'),
  // 02:00Z on October 1 is 22:00 EDT on September 30: received in September.
  referral('2026-10-01T02:00:00Z', { status: 'soc_scheduled' }),
];

describe('periods', () => {
  it('are Monday-to-Sunday weeks or calendar months, in local dates', () => {
    expect(periodContaining('month', '2026-10-17')).toEqual(october);
    expect(periodContaining('week', '2026-10-17')).toEqual({ every: 'week', from: '2026-10-12', to: '2026-10-18' });
    expect(periodContaining('week', '2026-10-12')).toEqual({ every: 'week', from: '2026-10-12', to: '2026-10-18' });
    expect(periodContaining('week', '2027-01-01')).toEqual({ every: 'week', from: '2026-12-28', to: '2027-01-03' });
    expect(previousPeriod(october)).toEqual({ every: 'month', from: '2026-09-01', to: '2026-09-30' });
    expect(previousPeriod({ every: 'month', from: '2027-03-01', to: '2027-03-31' })).toEqual({ every: 'month', from: '2027-02-01', to: '2027-02-28' });
    expect(seriesOf(october, 3).map((p) => p.from)).toEqual(['2026-08-01', '2026-09-01', '2026-10-01']);
  });

  it('are named for people', () => {
    expect(periodTitle(october)).toBe('October 2026');
    expect(periodTitle(periodContaining('week', '2026-10-07'))).toBe('the week of October 5, 2026');
    expect(periodRange(october)).toBe('October 1 – 31, 2026');
    expect(periodRange(periodContaining('week', '2026-10-01'))).toBe('September 28 – October 4, 2026');
    expect(periodRange(periodContaining('week', '2027-01-01'))).toBe('December 28, 2026 – January 3, 2027');
  });

  it('are due the first business day after they end, at the set time', () => {
    // Saturday October 31 -> Monday November 2, 09:00 EST (after the DST change) = 14:00Z.
    expect(periodDueAt(october, calendar, NEW_YORK, '09:00').toISOString()).toBe('2026-11-02T14:00:00.000Z');
    // Monday November 30 -> Tuesday December 1.
    expect(periodDueAt(periodContaining('month', '2026-11-15'), calendar, NEW_YORK, '09:00').toISOString()).toBe('2026-12-01T14:00:00.000Z');
    // Thursday December 31 -> New Year's Day is a holiday, then a weekend: Monday January 4, 2027.
    expect(periodDueAt(periodContaining('month', '2026-12-15'), calendar, NEW_YORK, '09:00').toISOString()).toBe('2027-01-04T14:00:00.000Z');
    // The week ending Sunday September 6 -> Monday the 7th is Labor Day: Tuesday the 8th, 07:30 EDT = 11:30Z.
    expect(periodDueAt(periodContaining('week', '2026-09-02'), calendar, NEW_YORK, '07:30').toISOString()).toBe('2026-09-08T11:30:00.000Z');
  });

  it('are made from their due time until skipOlderThanDays later, and never for the period under way', () => {
    const due = (now: string, settings = defaultFollowUpSettings) =>
      duePartnerSummaryPeriods(settings, calendar, NEW_YORK, new Date(now)).map(({ period, dueAt }) => [period.from, dueAt.toISOString()]);
    expect(due('2026-11-02T13:59:00Z')).toEqual([]);
    expect(due('2026-11-02T14:00:00Z')).toEqual([['2026-10-01', '2026-11-02T14:00:00.000Z']]);
    expect(due('2026-11-05T14:00:00Z')).toEqual([['2026-10-01', '2026-11-02T14:00:00.000Z']]);
    expect(due('2026-11-05T14:01:00Z')).toEqual([]);

    const weekly = followUpSettingsSchema.parse({ skipOlderThanDays: 10, partnerSummary: { every: 'week' } });
    // Tuesday November 10: the week of November 2 (due Monday the 9th) and the week of October 26 (due the 2nd) are
    // within 10 days; the week of October 19 (due Monday October 26, 09:00 EDT) is 15 days past.
    expect(due('2026-11-10T15:00:00Z', weekly)).toEqual([
      ['2026-11-02', '2026-11-09T14:00:00.000Z'],
      ['2026-10-26', '2026-11-02T14:00:00.000Z'],
    ]);
    expect(due('2026-11-02T14:00:00Z', followUpSettingsSchema.parse({ partnerSummary: { enabled: 'false' } }))).toEqual([]);
  });
});

describe("a source's summary", () => {
  const summary = summarizePartner(mercy, october, NEW_YORK);

  it('counts the referrals received in the period by their local date, each once: admitted, not, pending, cancelled', () => {
    expect(summary).toMatchObject({
      referrals: 8,
      admitted: 4,
      nonAdmitted: 2,
      pending: 1,
      cancelled: 1,
      cancelledBySource: 1,
      nonAdmitReasons: [
        { reason: 'insurance_not_accepted', words: 'insurance not accepted', count: 1 },
        { reason: 'outside_service_area', words: 'outside our service area', count: 1 },
      ],
      businessLines: ['home_health'],
    });
    expect(summary.admitted + summary.nonAdmitted + summary.pending + summary.cancelled).toBe(summary.referrals);
  });

  it('converts over those with an outcome, takes the median hours to the first visit, and the CMS timely rate', () => {
    // 4 admitted of 4 + 2: the pending and the cancelled are left out.
    expect(summary.conversion).toBeCloseTo(4 / 6);
    // 26, 28, 54, 66 hours: the median is (28 + 54) / 2.
    expect(summary.medianHoursToStartOfCare).toBe(41);
    expect(summary.hoursMeasured).toBe(4);
    expect(summary.timelyInitiation).toEqual({ timely: 3, notTimely: 1, missing: 0, rate: 0.75 });
  });

  it('has a monthly series of six months for the chart, referrals and admissions by month received', () => {
    expect(summary.series).toEqual([
      { from: '2026-05-01', to: '2026-05-31', referrals: 0, admitted: 0 },
      { from: '2026-06-01', to: '2026-06-30', referrals: 0, admitted: 0 },
      { from: '2026-07-01', to: '2026-07-31', referrals: 0, admitted: 0 },
      { from: '2026-08-01', to: '2026-08-31', referrals: 0, admitted: 0 },
      { from: '2026-09-01', to: '2026-09-30', referrals: 2, admitted: 1 },
      { from: '2026-10-01', to: '2026-10-31', referrals: 8, admitted: 4 },
    ]);
    const weekly = summarizePartner(mercy, periodContaining('week', '2026-10-20'), NEW_YORK);
    expect(weekly.series.map((w) => [w.from, w.referrals, w.admitted])).toEqual([
      ['2026-08-31', 0, 0],
      ['2026-09-07', 0, 0],
      ['2026-09-14', 1, 1],
      ['2026-09-21', 0, 0],
      ['2026-09-28', 1, 0],
      ['2026-10-05', 2, 2],
      ['2026-10-12', 1, 1],
      ['2026-10-19', 3, 1],
    ]);
  });

  it("names the source's latest referral of the period, by its local date: the one of Saturday 23:30, not September's", () => {
    expect(latestReferralOf(mercy, october, NEW_YORK)?.facts.receivedAt).toBe('2026-10-31T23:30:00-04:00');
    expect(latestReferralOf(mercy, { every: 'month', from: '2026-09-01', to: '2026-09-30' }, NEW_YORK)?.facts.receivedAt).toBe('2026-10-01T02:00:00Z');
    expect(latestReferralOf(mercy, { every: 'month', from: '2026-08-01', to: '2026-08-31' }, NEW_YORK)).toBeUndefined();
  });

  it('leaves conversion, median and rate undefined when nothing reached them', () => {
    const waiting = summarizePartner([referral('2026-10-02T09:00:00-04:00'), referral('2026-10-03T09:00:00-04:00', { status: 'accepted' })], october, NEW_YORK);
    expect(waiting).toMatchObject({ referrals: 2, pending: 2, conversion: undefined, medianHoursToStartOfCare: undefined });
    expect(waiting.timelyInitiation).toEqual({ timely: 0, notTimely: 0, missing: 0, rate: undefined });
  });

  it('measures timely initiation for home health starts only, and leaves missing ones out of the rate', () => {
    const mixed = summarizePartner(
      [
        admitted('2026-10-05T10:00:00-04:00', '2026-10-06', '2026-10-06T12:00:00-04:00'),
        admitted('2026-10-05T10:00:00-04:00', '2026-10-12', '2026-10-12T12:00:00-04:00', { inpatientDischargeIn14Days: 'unknown' }),
        admitted('2026-10-05T10:00:00-04:00', '2026-10-12', '2026-10-12T12:00:00-04:00', { businessLine: 'hospice' }),
      ],
      october,
      NEW_YORK,
    );
    expect(mixed.timelyInitiation).toEqual({ timely: 1, notTimely: 0, missing: 1, rate: 1 });
    expect(mixed.businessLines).toEqual(['home_health', 'hospice']);
  });
});

describe('the message for the source', () => {
  it('says it all in one paragraph, in plain words', () => {
    expect(partnerSummaryText(summarizePartner(mercy, october, NEW_YORK), { agency: 'Sunrise Home Health & Hospice' })).toBe(
      "In October, you sent us 8 referrals; 4 started care, a median of 41 hours after your referral; 3 of 4 on time by CMS's measure; " +
        '2 were not admitted: insurance not accepted (1), outside our service area (1); 1 is pending; 1 was cancelled at your request. ' +
        'Thank you for your referrals. — Sunrise Home Health & Hospice',
    );
  });

  it("tells where a pilot with the source stands, before the thanks", () => {
    const pilot = 'Our pilot "Faster starts": 90% of admissions start care within 24 hours: 92% (23 of 25), on track.';
    expect(partnerSummaryText(summarizePartner(mercy, october, NEW_YORK), { agency: 'Sunrise' }, [pilot])).toMatch(
      /1 was cancelled at your request\. Our pilot "Faster starts": 90% of admissions start care within 24 hours: 92% \(23 of 25\), on track\. Thank you for your referrals\. — Sunrise$/,
    );
  });

  it('gets the singular right and names no day of any referral', () => {
    // Received Wednesday October 7, seen Thursday the 8th at 12:00: 26 hours.
    const week = periodContaining('week', '2026-10-07');
    const text = partnerSummaryText(summarizePartner([admitted('2026-10-07T10:00:00-04:00', '2026-10-08', '2026-10-08T12:00:00-04:00')], week, NEW_YORK), {
      agency: undefined,
    });
    expect(text).toBe("In the week of October 5, you sent us 1 referral; 1 started care, 26 hours after your referral; 1 of 1 on time by CMS's measure. Thank you for your referrals.");
    expect(text).not.toMatch(/October [78]|Wednesday|Thursday/);
  });

  it('says days past two days, and "not taken under care" to a hospice-only source', () => {
    const hospice = { businessLine: 'hospice' } as const;
    const summary = summarizePartner(
      [
        // 3 days and 2 hours: "3 days".
        admitted('2026-10-05T10:00:00-04:00', '2026-10-08', '2026-10-08T12:00:00-04:00', hospice),
        referral('2026-10-06T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'patient_declined' }, hospice),
        referral('2026-10-07T10:00:00-04:00', {}, hospice),
        referral('2026-10-08T10:00:00-04:00', {}, hospice),
        referral('2026-10-09T10:00:00-04:00', { status: 'cancelled', cancelledBy: 'source' }, hospice),
        referral('2026-10-10T10:00:00-04:00', { status: 'cancelled', cancelledBy: 'agency' }, hospice),
      ],
      october,
      NEW_YORK,
    );
    expect(partnerSummaryText(summary, { agency: 'Sunrise' })).toBe(
      'In October, you sent us 6 referrals; 1 started care, 3 days after your referral; 1 was not taken under care: the patient or family declined care; ' +
        '2 are pending; 2 were cancelled (1 at your request). Thank you for your referrals. — Sunrise',
    );
  });

  it('lists several reasons most frequent first, and a lone reason without its count', () => {
    const reasons = summarizePartner(
      [
        referral('2026-10-06T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'staffing_unavailable' }),
        referral('2026-10-07T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'insurance_not_accepted' }),
        referral('2026-10-08T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'staffing_unavailable' }),
        referral('2026-10-09T10:00:00-04:00', { status: 'cancelled', cancelledBy: 'unknown' }),
      ],
      october,
      NEW_YORK,
    );
    expect(partnerSummaryText(reasons, { agency: undefined })).toBe(
      'In October, you sent us 4 referrals; 3 were not admitted: we had no staff available (2), insurance not accepted (1); 1 was cancelled. Thank you for your referrals.',
    );
    const one = summarizePartner([referral('2026-10-06T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'outside_service_area' })], october, NEW_YORK);
    expect(partnerSummaryText(one, { agency: undefined })).toBe(
      'In October, you sent us 1 referral; 1 was not admitted: outside our service area. Thank you for your referrals.',
    );
  });
});

describe("the agency's own reasons", () => {
  it('are counted in their words, an unlisted one with "other", in the order of the list', () => {
    const nonAdmitReasons = nonAdmitVocabulary([{ value: 'no_caregiver', label: 'No caregiver at home', words: 'there was no caregiver at home' }]);
    const summary = summarizePartner(
      [
        referral('2026-10-06T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'no_caregiver' }),
        referral('2026-10-07T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'lost_to_follow_up' }),
        referral('2026-10-08T10:00:00-04:00', { status: 'non_admitted', nonAdmitReason: 'other' }),
      ],
      october,
      NEW_YORK,
      nonAdmitReasons,
    );
    expect(summary.nonAdmitReasons).toEqual([
      { reason: 'other', words: 'we were not able to start care', count: 2 },
      { reason: 'no_caregiver', words: 'there was no caregiver at home', count: 1 },
    ]);
    expect(partnerSummaryText(summary, { agency: undefined })).toBe(
      'In October, you sent us 3 referrals; 3 were not admitted: we were not able to start care (2), there was no caregiver at home (1). Thank you for your referrals.',
    );
  });
});

describe("the liaison's task", () => {
  const input = {
    summary: summarizePartner(mercy, october, NEW_YORK),
    names: { agency: 'Sunrise Home Health & Hospice', source: 'Mercy General Hospital' },
    sourceRef: 'npi:1234567893',
    referralKey: 'REF-8',
    ownerId: '71000101',
    dueAt: new Date('2026-11-02T14:00:00Z'),
  };

  it('is an email for the liaison, keyed by source and period, with the message and the link to the PDF', () => {
    const intent = partnerSummaryFollowUp({ ...input, pdf: { url: 'https://rx.example.org/partner-summaries/abc.pdf' } });
    expect(intent).toMatchObject({
      key: 'partner_summary:npi:1234567893:2026-10-01',
      rule: 'partner_summary',
      type: 'EMAIL',
      priority: 'MEDIUM',
      role: 'liaison',
      ownerId: '71000101',
      referralKey: 'REF-8',
      withCompany: true,
      withContact: false,
      subject: 'Send Mercy General Hospital its summary of October 2026: 8 referrals, 4 started care',
    });
    expect(intent.dueAt.toISOString()).toBe('2026-11-02T14:00:00.000Z');
    expect(intent.body.split('\n')).toEqual([
      'Send Mercy General Hospital the summary of its referrals in October 2026 (October 1 – 31, 2026), with the one-page PDF.',
      '',
      'Message for the source:',
      `"${partnerSummaryText(input.summary, input.names)}"`,
      '',
      'PDF: https://rx.example.org/partner-summaries/abc.pdf',
    ]);
  });

  it('says how to get the PDF on the server when it has no public address', () => {
    const intent = partnerSummaryFollowUp({ ...input, pdf: { command: '`referralynx summaries pdf 7 --out summary.pdf`' } });
    expect(intent.body.split('\n').at(-1)).toBe('PDF: on the server, run `referralynx summaries pdf 7 --out summary.pdf`');
  });
});

describe('the setting', () => {
  it('defaults to a monthly summary at 09:00, and reads text from the CLI', () => {
    expect(defaultFollowUpSettings.partnerSummary).toEqual({ enabled: true, every: 'month', at: '09:00' });
    expect(followUpSettingsSchema.parse({ partnerSummary: { every: 'week', enabled: 'no', at: '07:30' } }).partnerSummary).toEqual({
      enabled: false,
      every: 'week',
      at: '07:30',
    });
    expect(followUpSettingsSchema.safeParse({ partnerSummary: { every: 'quarter' } }).success).toBe(false);
  });
});
