-- Processes spending a portal's HubSpot API budget (issue #4, scale-out). HubSpot limits an app per portal (190
-- requests per rolling 10 s), not per process: each process writing to a portal announces itself here every few
-- seconds and takes an equal part of the budget (src/sync/budgetShare.ts). A process that stops deletes its row; one
-- that is killed stops being counted once its row is older than the announcements' live window.
CREATE TABLE hubspot_clients (
  tenant_id    bigint NOT NULL REFERENCES tenants (tenant_id),
  client_id    uuid NOT NULL,
  -- What the process is, for `referralynx status`: host, pid and role (server, backfill).
  description  text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  seen_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, client_id)
);
