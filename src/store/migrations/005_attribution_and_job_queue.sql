-- Issue #4, second part.
--
-- The work of the sync moves to pg-boss (a maintained PostgreSQL job queue, schema pgboss, installed by migrate()):
-- one job per changed record, enqueued in the transaction that derived the change. What is left of ours is what a
-- job queue does not know: why a record keeps being refused (for `referralynx status` and `sync retry`).
DROP TABLE sync_outbox;

CREATE TABLE sync_failures (
  tenant_id    bigint NOT NULL REFERENCES tenants (tenant_id),
  record_kind  text NOT NULL CHECK (record_kind IN ('referral', 'admission')),
  record_key   text NOT NULL,
  attempts     integer NOT NULL,
  last_error   text NOT NULL,
  -- No retry left: waits for `referralynx sync retry`.
  dead         boolean NOT NULL DEFAULT false,
  failed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, record_kind, record_key)
);

-- Source attribution: which HubSpot company is a referral source and which contact a referring clinician. A source
-- is known by a reference made from what the EHR says of it (npi:..., ehr:..., or name:...|place), so a source without
-- an NPI is matched once and remembered. method says how the match was made: npi, mapping (an administrator's
-- choice), name (normalised name and place above the tenant's confidence threshold) or created; a row without a
-- hubspot_id is a miss, kept for the unmatched list and asked again an hour later (except for a mapping).
DROP TABLE source_matches;
CREATE TABLE source_matches (
  tenant_id       bigint NOT NULL REFERENCES tenants (tenant_id),
  object_type     text NOT NULL CHECK (object_type IN ('companies', 'contacts')),
  source_ref      text NOT NULL,
  display_name    text NOT NULL,
  place           text,
  npi             text,
  hubspot_id      text,
  owner_id        text,
  method          text NOT NULL CHECK (method IN ('npi', 'mapping', 'name', 'created', 'none')),
  confidence      real,
  reason          text NOT NULL,
  -- The best candidate below the threshold, offered to whoever maps the source by hand.
  candidate_id    text,
  candidate_name  text,
  checked_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, object_type, source_ref)
);
CREATE INDEX source_matches_hubspot_id ON source_matches (tenant_id, object_type, hubspot_id);

-- Why each referral has its company, its clinician and its owner: what the sync decided last, so it can be explained.
CREATE TABLE attribution_decisions (
  tenant_id       bigint NOT NULL REFERENCES tenants (tenant_id),
  referral_key    text NOT NULL,
  company_ref     text,
  company_id      text,
  company_reason  text NOT NULL,
  contact_ref     text,
  contact_id      text,
  contact_reason  text NOT NULL,
  owner_id        text,
  owner_method    text NOT NULL CHECK (owner_method IN ('marketer', 'company_owner', 'contact_owner', 'default', 'none')),
  owner_reason    text NOT NULL,
  decided_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, referral_key)
);
CREATE INDEX attribution_decisions_company ON attribution_decisions (tenant_id, company_id);
CREATE INDEX attribution_decisions_contact ON attribution_decisions (tenant_id, contact_id);
CREATE INDEX attribution_decisions_company_ref ON attribution_decisions (tenant_id, company_ref);
CREATE INDEX attribution_decisions_contact_ref ON attribution_decisions (tenant_id, contact_ref);

-- Where `referralynx sync --backfill` has got to: records up to last_key (in key order) are queued. Advanced in the
-- transaction that queues them, so a backfill killed at any point resumes with no gap and no record queued twice.
CREATE TABLE backfill_runs (
  tenant_id    bigint NOT NULL REFERENCES tenants (tenant_id),
  record_kind  text NOT NULL CHECK (record_kind IN ('referral', 'admission')),
  last_key     text NOT NULL DEFAULT '',
  queued       integer NOT NULL DEFAULT 0,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  PRIMARY KEY (tenant_id, record_kind)
);
