-- Scorecards (issue #6). referral_facts: one row per referral written to HubSpot, with what the metrics count, as the
-- sync last wrote it: the company and clinician it is attributed to, its status, and the measures computed in
-- TypeScript from its state (hours to the first visit, CMS timely initiation, src/domain/timelyInitiation.ts). The
-- metrics are SQL aggregates over it, so a full recompute reads narrow rows, not each referral's JSON state.
CREATE TABLE referral_facts (
  tenant_id         bigint NOT NULL REFERENCES tenants (tenant_id),
  referral_key      text NOT NULL,
  company_id        text,
  contact_id        text,
  received_at       timestamptz NOT NULL,
  status            text NOT NULL,
  business_line     text,
  payer_category    text,
  non_admit_reason  text,
  hours_to_soc      double precision,
  -- timely, not_timely, missing; NULL when there is no start of care (or the measure does not apply: hospice).
  timely_initiation text,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, referral_key)
);
CREATE INDEX referral_facts_company ON referral_facts (tenant_id, company_id, received_at) WHERE company_id IS NOT NULL;
CREATE INDEX referral_facts_contact ON referral_facts (tenant_id, contact_id, received_at) WHERE contact_id IS NOT NULL;

-- The scorecard of each referral-source company and referring clinician: the metrics as last computed (for the
-- cards), and the properties as last written to HubSpot (so only changed values are written).
CREATE TABLE scorecards (
  tenant_id     bigint NOT NULL REFERENCES tenants (tenant_id),
  object_type   text NOT NULL CHECK (object_type IN ('companies', 'contacts')),
  hubspot_id    text NOT NULL,
  metrics       jsonb NOT NULL,
  computed_at   timestamptz NOT NULL DEFAULT now(),
  written       jsonb,
  written_at    timestamptz,
  PRIMARY KEY (tenant_id, object_type, hubspot_id)
);
