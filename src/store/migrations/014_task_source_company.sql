-- A referral's tasks carry the company its referral is attributed to (the attribution decision's), kept in step when
-- the decision changes (SyncStore.saveDecisions): the company card then finds a source's open tasks with one index
-- range, where it joined every referral of the source (14,000 for a busy hospital) with the portal's open tasks.
UPDATE follow_up_tasks t SET company_id = d.company_id
FROM attribution_decisions d
WHERE d.tenant_id = t.tenant_id AND d.referral_key = t.referral_key AND t.referral_key IS NOT NULL AND t.company_id IS DISTINCT FROM d.company_id;

CREATE INDEX follow_up_tasks_open_company ON follow_up_tasks (tenant_id, company_id, due_at) WHERE status = 'open' AND company_id IS NOT NULL;
DROP INDEX follow_up_tasks_open_referral;
