-- Pilot projects with a referral source (issue #6): a period, a scope and standards (src/domain/pilots.ts), with the
-- progress last computed. Their scope may name service-area ZIPs, so referral facts keep the referral's five-digit
-- ZIP: it stays on the server (HIPAA Safe Harbor counts it an identifier) and is never sent to HubSpot.
ALTER TABLE referral_facts ADD COLUMN service_zip text;

CREATE TABLE pilots (
  tenant_id      bigint NOT NULL REFERENCES tenants (tenant_id),
  pilot_id       bigserial NOT NULL,
  company_id     text NOT NULL,
  name           text NOT NULL,
  period_start   date NOT NULL,
  period_end     date NOT NULL CHECK (period_end >= period_start),
  business_line  text,
  service_zips   text[],
  standards      jsonb NOT NULL,
  progress       jsonb,
  reviewed_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pilot_id)
);
CREATE INDEX pilots_company ON pilots (tenant_id, company_id);
