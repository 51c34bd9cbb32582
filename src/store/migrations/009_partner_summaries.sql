-- Partner summaries (issue #5): each referral source's summary of a week or a month, kept as it was made, once per
-- source and period, in the transaction that decides its liaison's task (partner_summary:<source_ref>:<period_start>).
-- The one-page PDF is drawn from this row whenever it is asked for, at /partner-summaries/<token>.pdf: the token, 32
-- random bytes, is the only key that opens it. No patient data: counts, reasons, a median, the names of the agency
-- and the source.
CREATE TABLE partner_summaries (
  tenant_id     bigint NOT NULL REFERENCES tenants (tenant_id),
  -- The source's reference (attribution_decisions.company_ref), and the first day of the period (local date).
  source_ref    text NOT NULL,
  period_start  date NOT NULL,
  -- What `referralynx summaries pdf <id>` takes.
  summary_id    bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  source_name   text NOT NULL,
  agency_name   text,
  -- src/domain/partnerSummary.ts PartnerSummary: the period, the figures and the chart's series.
  summary       jsonb NOT NULL,
  -- The message for the source, as the task gave it.
  text          text NOT NULL,
  token         text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source_ref, period_start)
);
