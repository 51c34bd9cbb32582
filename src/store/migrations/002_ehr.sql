-- EHR ingestion: messages seen, canonical events, derived referral and admission state, quarantine, feed cursors.

-- The key of the tenant's patient hash (HMAC-SHA256): generated once per portal, never leaves the database.
ALTER TABLE tenants ADD COLUMN patient_hash_key bytea;
-- The secret that signs JSON and FHIR pushes to /ingest (X-Referralynx-Signature); generated on first use.
ALTER TABLE tenants ADD COLUMN ingest_secret text;

-- One row per input message accepted: a replayed message (same key) is recognised and changes nothing.
CREATE TABLE ehr_messages (
  tenant_id    bigint NOT NULL REFERENCES tenants (tenant_id),
  message_key  text NOT NULL,
  format       text NOT NULL,
  feed         text NOT NULL,
  event_count  integer NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, message_key)
);

-- Canonical events (src/domain/events.ts), appended once each.
CREATE TABLE ehr_events (
  tenant_id      bigint NOT NULL REFERENCES tenants (tenant_id),
  event_id       text NOT NULL,
  kind           text NOT NULL,
  occurred_at    timestamptz NOT NULL,
  patient_hash   text NOT NULL,
  referral_key   text,
  admission_key  text,
  message_key    text NOT NULL,
  -- json, not jsonb: events are written once and read whole, never queried inside; json skips the conversion.
  body           json NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX ehr_events_patient ON ehr_events (tenant_id, patient_hash);
CREATE INDEX ehr_events_referral ON ehr_events (tenant_id, referral_key) WHERE referral_key IS NOT NULL;
CREATE INDEX ehr_events_admission ON ehr_events (tenant_id, admission_key) WHERE admission_key IS NOT NULL;

-- Derived state (src/domain/referralLifecycle.ts): rebuilt from the events of the patient whenever one arrives.
-- Columns the scorecards and the sync filter on are lifted out of `state`.
CREATE TABLE referrals (
  tenant_id         bigint NOT NULL REFERENCES tenants (tenant_id),
  referral_key      text NOT NULL,
  patient_hash      text NOT NULL,
  status            text NOT NULL,
  received_at       timestamptz,
  referral_date     date,
  business_line     text,
  payer_category    text,
  source_name       text,
  source_npi        text,
  clinician_npi     text,
  marketer_id       text,
  non_admit_reason  text,
  admission_key     text,
  soc_date          date,
  first_visit_at    timestamptz,
  last_event_at     timestamptz NOT NULL,
  state             jsonb NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, referral_key)
);
CREATE INDEX referrals_patient ON referrals (tenant_id, patient_hash);
CREATE INDEX referrals_received ON referrals (tenant_id, received_at);

CREATE TABLE admissions (
  tenant_id        bigint NOT NULL REFERENCES tenants (tenant_id),
  admission_key    text NOT NULL,
  referral_key     text,
  patient_hash     text NOT NULL,
  status           text NOT NULL,
  soc_date         date,
  discharge_date   date,
  last_event_at    timestamptz NOT NULL,
  state            jsonb NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, admission_key)
);
CREATE INDEX admissions_patient ON admissions (tenant_id, patient_hash);

-- Input that could not be read: kept with its reason and place so an administrator can fix and retry it.
-- The payload may hold PHI: it stays in the database and is never logged or sent anywhere.
CREATE TABLE ehr_quarantine (
  tenant_id      bigint NOT NULL REFERENCES tenants (tenant_id),
  quarantine_id  bigserial,
  format         text NOT NULL,
  feed           text NOT NULL,
  position       text,
  message_key    text,
  reason         text NOT NULL,
  -- Bytes, not text: what could not be read may hold anything, NUL characters included, which text refuses.
  payload        bytea NOT NULL,
  -- The same input refused again (a replayed file) is one entry seen more often, not a new one.
  payload_sha    text NOT NULL,
  seen_count     integer NOT NULL DEFAULT 1,
  received_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now(),
  retried_at     timestamptz,
  resolved_at    timestamptz,
  PRIMARY KEY (tenant_id, quarantine_id)
);
CREATE INDEX ehr_quarantine_open ON ehr_quarantine (tenant_id, received_at) WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX ehr_quarantine_once ON ehr_quarantine (tenant_id, format, feed, payload_sha) WHERE resolved_at IS NULL;

-- Where each polled feed (a FHIR server) got to: saved after every page.
CREATE TABLE feed_cursors (
  tenant_id   bigint NOT NULL REFERENCES tenants (tenant_id),
  feed        text NOT NULL,
  cursor      text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, feed)
);
