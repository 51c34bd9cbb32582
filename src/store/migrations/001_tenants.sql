-- A tenant is one HubSpot portal (hub id). Every table carries tenant_id and every query is scoped by it.
CREATE TABLE tenants (
  tenant_id   bigint PRIMARY KEY,
  name        text NOT NULL DEFAULT '',
  -- Validated by tenantSettingsSchema (src/config/tenantSettings.ts) on every read and write.
  settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- What provisioning found or created in the portal: object type ids, association type ids, pipeline and stage ids.
-- Later syncs read these instead of asking HubSpot again.
CREATE TABLE hubspot_data_model (
  tenant_id   bigint NOT NULL REFERENCES tenants (tenant_id),
  key         text NOT NULL,
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);

-- One row per provisioning run, with what it changed, so an administrator can see the history.
CREATE TABLE provisioning_runs (
  tenant_id    bigint NOT NULL REFERENCES tenants (tenant_id),
  run_id       bigserial,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now(),
  changes      jsonb NOT NULL,
  write_calls  integer NOT NULL,
  PRIMARY KEY (tenant_id, run_id)
);
