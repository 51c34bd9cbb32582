-- The sync to HubSpot (issue #4). Derived changes are queued here in the same transaction as the events that
-- caused them (a transactional outbox): a record is queued once however often it changes before the sync runs.
CREATE TABLE sync_outbox (
  tenant_id        bigint NOT NULL REFERENCES tenants (tenant_id),
  record_kind      text NOT NULL CHECK (record_kind IN ('referral', 'admission')),
  record_key       text NOT NULL,
  queued_at        timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  PRIMARY KEY (tenant_id, record_kind, record_key)
);
CREATE INDEX sync_outbox_due ON sync_outbox (tenant_id, next_attempt_at);

-- What was last written to HubSpot for each record: its object id and a hash of the properties sent, so that an
-- unchanged record is never sent again.
CREATE TABLE hubspot_records (
  tenant_id    bigint NOT NULL REFERENCES tenants (tenant_id),
  record_kind  text NOT NULL,
  record_key   text NOT NULL,
  hubspot_id   text NOT NULL,
  data_hash    text NOT NULL,
  synced_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, record_kind, record_key)
);
