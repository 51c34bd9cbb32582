import fs from 'node:fs';
import { periodTitle } from '../../src/domain/partnerSummary';
import { PartnerSummaryStore } from '../../src/store/partnerSummaryStore';
import type { Pool } from '../../src/store/postgres';
import type { Tenant } from '../../src/store/tenants';
import { renderPartnerSummaryPdf } from '../../src/sync/partnerSummaryPdf';
import { summaryPdfUrl } from '../../src/sync/partnerSummaries';

type Say = (line?: string) => void;

const store = new PartnerSummaryStore();

/** `referralynx summaries list`: the partner summaries made, latest period first, with their figures. */
export async function summariesList(say: Say, pool: Pool, tenant: Tenant, publicBaseUrl: string | undefined, limit: number): Promise<void> {
  const rows = await store.list(pool, tenant.tenantId, limit);
  if (rows.length === 0) {
    say('No partner summary made yet: they are made the first business day after each week or month (followUps.partnerSummary).');
    return;
  }
  for (const row of rows) {
    const { summary } = row;
    say(
      `#${row.summaryId}  ${periodTitle(summary.period)}  ${row.sourceName}  ${summary.referrals} referrals, ${summary.admitted} started care, ` +
        `${summary.nonAdmitted} not admitted, ${summary.pending} pending` +
        (publicBaseUrl ? `  ${summaryPdfUrl(publicBaseUrl, row.token)}` : ''),
    );
  }
  say(`${rows.length} summar${rows.length === 1 ? 'y' : 'ies'}${publicBaseUrl ? '' : ' (write one as a PDF with `referralynx summaries pdf <id> --out file.pdf`)'}`);
}

/** `referralynx summaries pdf <id> --out file.pdf`: the one-page PDF the source is sent. */
export async function summariesPdf(say: Say, pool: Pool, tenant: Tenant, summaryId: number, out: string): Promise<boolean> {
  const row = await store.byId(pool, tenant.tenantId, summaryId);
  if (!row) return false;
  const pdf = await renderPartnerSummaryPdf({
    summary: row.summary,
    names: { agency: row.agencyName ?? undefined, source: row.sourceName },
    preparedAt: row.createdAt,
    timeZone: tenant.settings.timeZone,
  });
  fs.writeFileSync(out, pdf);
  say(`Wrote ${out}: ${row.sourceName}, ${periodTitle(row.summary.period)} (${pdf.length} bytes).`);
  return true;
}
