-- Follow-up tasks (issue #5): every task the rules decided on, keyed by its dedupe key, so a replayed feed, a
-- restarted worker or a second process never creates it twice. The row is written in the transaction that decides
-- it, with a pg-boss job (queue hubspot-tasks) that creates it in HubSpot. A creation whose answer was lost (the
-- process died between HubSpot's answer and the commit) is found again by its key: each task carries the key in the
-- rlx_task_key property, and a retried job searches for it (sent_at set) before creating.
CREATE TABLE follow_up_tasks (
  tenant_id      bigint NOT NULL REFERENCES tenants (tenant_id),
  task_key       text NOT NULL,
  rule           text NOT NULL,
  -- The referral a task is about; NULL for account tasks (check-ins, dormant sources), which name their company.
  referral_key   text,
  admission_key  text,
  company_id     text,
  -- liaison (the referral's owner by the attribution chain), intake (the tenant's intake owner) or company (the
  -- account's owner, for account tasks).
  owner_role     text NOT NULL CHECK (owner_role IN ('liaison', 'intake', 'company')),
  owner_id       text,
  task_type      text NOT NULL,
  priority       text NOT NULL,
  subject        text NOT NULL,
  body           text NOT NULL,
  due_at         timestamptz NOT NULL,
  with_company   boolean NOT NULL,
  with_contact   boolean NOT NULL,
  decided_at     timestamptz NOT NULL DEFAULT now(),
  -- The first time a worker asked HubSpot to create it: from then on a retry searches before creating.
  sent_at        timestamptz,
  hubspot_id     text,
  written_at     timestamptz,
  -- The owner HubSpot holds: when owner_id moves on (the company's owner changed), the task job reassigns it.
  written_owner_id text,
  -- open, completed (in HubSpot), deleted (in HubSpot); from webhooks or the reconciling poll.
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'deleted')),
  completed_at   timestamptz,
  checked_at     timestamptz,
  PRIMARY KEY (tenant_id, task_key)
);
CREATE INDEX follow_up_tasks_referral ON follow_up_tasks (tenant_id, referral_key);
CREATE UNIQUE INDEX follow_up_tasks_hubspot_id ON follow_up_tasks (tenant_id, hubspot_id) WHERE hubspot_id IS NOT NULL;
-- The reconciling poll reads open tasks that HubSpot holds, least recently checked first.
CREATE INDEX follow_up_tasks_open ON follow_up_tasks (tenant_id, checked_at NULLS FIRST) WHERE status = 'open' AND hubspot_id IS NOT NULL;

-- A task HubSpot refuses is kept with its reason like a record, for `referralynx status` and `sync retry`.
ALTER TABLE sync_failures DROP CONSTRAINT sync_failures_record_kind_check;
ALTER TABLE sync_failures ADD CONSTRAINT sync_failures_record_kind_check CHECK (record_kind IN ('referral', 'admission', 'task'));
