-- Commissions (issue #8). A tenant's plan as versions (src/domain/commissionPlan.ts), never edited: saving a plan
-- adds the next version. The payee roster says which HubSpot owners are the agency's employees and which of them
-- decide admission (the Anti-Kickback Statute's limits, DESIGN.md). The engine (src/domain/commissions.ts) is run
-- again whenever referrals change; its lines for the open periods replace the last run's, its outcome per referral
-- gives the Admission record's commission properties. A closed period keeps the lines issued in it for good.
CREATE TABLE commission_plan_versions (
  tenant_id       bigint NOT NULL REFERENCES tenants (tenant_id),
  plan_id         text NOT NULL,
  version         integer NOT NULL CHECK (version >= 1),
  effective_from  date NOT NULL,
  effective_to    date CHECK (effective_to >= effective_from),
  definition      jsonb NOT NULL,
  saved_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, plan_id, version)
);

CREATE TABLE commission_rosters (
  tenant_id           bigint PRIMARY KEY REFERENCES tenants (tenant_id),
  employees           text[] NOT NULL DEFAULT '{}',
  admission_deciders  text[] NOT NULL DEFAULT '{}',
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- The open periods' lines as the last run computed them (replaced by every run); amounts in integer cents.
CREATE TABLE commission_lines (
  tenant_id       bigint NOT NULL REFERENCES tenants (tenant_id),
  line_id         text NOT NULL,
  period          text NOT NULL CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  payee_owner_id  text NOT NULL,
  referral_name   text NOT NULL,
  line            jsonb NOT NULL,
  PRIMARY KEY (tenant_id, line_id)
);
CREATE INDEX commission_lines_period ON commission_lines (tenant_id, period, payee_owner_id);

CREATE TABLE commission_closed_periods (
  tenant_id  bigint NOT NULL REFERENCES tenants (tenant_id),
  period     text NOT NULL CHECK (period ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  closed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, period)
);

-- The lines issued in a closed period, exactly as the engine gave them when it was closed.
CREATE TABLE commission_issued_lines (
  tenant_id       bigint NOT NULL,
  period          text NOT NULL,
  line_id         text NOT NULL,
  payee_owner_id  text NOT NULL,
  referral_name   text NOT NULL,
  line            jsonb NOT NULL,
  PRIMARY KEY (tenant_id, line_id),
  FOREIGN KEY (tenant_id, period) REFERENCES commission_closed_periods (tenant_id, period)
);
CREATE INDEX commission_issued_lines_period ON commission_issued_lines (tenant_id, period, payee_owner_id);

-- Paid periods are never rewritten (DESIGN.md, commissions): the database refuses it, whatever the code does.
CREATE FUNCTION commission_issued_lines_stay() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'commission lines issued in a closed period are never changed or removed (period %)', OLD.period;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER commission_issued_lines_stay BEFORE UPDATE OR DELETE ON commission_issued_lines
  FOR EACH ROW EXECUTE FUNCTION commission_issued_lines_stay();
CREATE TRIGGER commission_closed_periods_stay BEFORE UPDATE OR DELETE ON commission_closed_periods
  FOR EACH ROW EXECUTE FUNCTION commission_issued_lines_stay();

-- Where each referral stands, and the commission properties of its admission as last computed: the admission sync
-- writes them with the record's other properties (and so only when they changed).
CREATE TABLE commission_outcomes (
  tenant_id      bigint NOT NULL REFERENCES tenants (tenant_id),
  referral_key   text NOT NULL,
  admission_key  text,
  outcome        jsonb NOT NULL,
  properties     jsonb,
  computed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, referral_key)
);
-- Not unique: two referrals the EHR linked to one admission must not stop a run (the admission sync takes the first).
CREATE INDEX commission_outcomes_admission ON commission_outcomes (tenant_id, admission_key) WHERE admission_key IS NOT NULL;

-- When the tenant's commissions were last computed, and from data changed up to when: the cron computes again only
-- when referrals, admissions, attribution, the plan or the roster changed since.
CREATE TABLE commission_runs (
  tenant_id   bigint PRIMARY KEY REFERENCES tenants (tenant_id),
  ran_at      timestamptz NOT NULL,
  watermark   timestamptz NOT NULL,
  -- How long the run took: the next one after a change waits ten times as long (a tenth of the server's time at most).
  took_ms     integer NOT NULL DEFAULT 0
);
CREATE INDEX referrals_updated ON referrals (tenant_id, updated_at);
CREATE INDEX admissions_updated ON admissions (tenant_id, updated_at);
CREATE INDEX attribution_decisions_decided ON attribution_decisions (tenant_id, decided_at);
