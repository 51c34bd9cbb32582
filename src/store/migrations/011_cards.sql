-- The card API (issue #6, part 5).

-- A check-in a liaison logs from the company card. The account rules (src/sync/followUps.ts) count the next check-in
-- from the latest activity: HubSpot's "Last Contacted", a completed check-in task, or one of these. The note stays
-- here, never in logs: a liaison may write anything in it.
CREATE TABLE check_ins (
  tenant_id      bigint NOT NULL REFERENCES tenants (tenant_id),
  check_in_id    bigint GENERATED ALWAYS AS IDENTITY,
  company_id     text NOT NULL,
  checked_in_at  timestamptz NOT NULL,
  -- The HubSpot user who logged it (the userId hubspot.fetch adds to the signed URL), when known.
  user_id        text,
  note           text CHECK (char_length(note) <= 500),
  PRIMARY KEY (tenant_id, check_in_id)
);
CREATE INDEX check_ins_company ON check_ins (tenant_id, company_id, checked_in_at);

-- The referral card opens on a HubSpot Referral record: its id leads back to our referral.
CREATE INDEX hubspot_records_hubspot_id ON hubspot_records (tenant_id, record_kind, hubspot_id);

-- The company card's open tasks, and the account rules' last check-in, look up a company's own tasks.
CREATE INDEX follow_up_tasks_company ON follow_up_tasks (tenant_id, company_id, rule) WHERE company_id IS NOT NULL;

-- The company card's open tasks of the referrals attributed to the company: the company's referrals and the portal's
-- open tasks, each read from an index alone, then joined.
DROP INDEX attribution_decisions_company;
CREATE INDEX attribution_decisions_company ON attribution_decisions (tenant_id, company_id) INCLUDE (referral_key);
CREATE INDEX follow_up_tasks_open_referral ON follow_up_tasks (tenant_id, referral_key) INCLUDE (task_key) WHERE status = 'open';

-- The company card's twelve months: a busy source's year of referrals counted from the index alone.
DROP INDEX referral_facts_company;
CREATE INDEX referral_facts_company ON referral_facts (tenant_id, company_id, received_at) INCLUDE (status) WHERE company_id IS NOT NULL;
