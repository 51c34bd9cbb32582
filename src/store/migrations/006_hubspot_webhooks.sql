-- HubSpot to server (issue #4): webhook events processed, and Referral records created by hand in HubSpot.

-- One row per webhook event processed, written in the same transaction as the event's effects: an event HubSpot
-- sends again (it retries anything not answered 2xx, with the same fields and a higher attemptNumber) finds its row
-- and changes nothing. HubSpot documents eventId as "not guaranteed to be unique", so the key also holds the
-- subscription, the object and the moment of the event, which a retry repeats too.
CREATE TABLE hubspot_webhook_events (
  tenant_id          bigint NOT NULL REFERENCES tenants (tenant_id),
  event_id           text NOT NULL,
  subscription_id    text NOT NULL,
  object_id          text NOT NULL,
  occurred_at        timestamptz NOT NULL,
  subscription_type  text NOT NULL,
  -- The CRM object type of object.* events (0-2 companies, 2-… custom objects); NULL for legacy event types.
  object_type_id     text,
  processed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id, subscription_id, object_id, occurred_at)
);
-- Has this portal ever announced a Referral creation? (When not, the sync searches for hand-entered referrals.)
CREATE INDEX hubspot_webhook_events_type ON hubspot_webhook_events (tenant_id, object_type_id, subscription_type);

-- Referral records someone created in HubSpot without an EHR id (intake taking a referral by phone before the EHR
-- has it), with what the sync matches them on. The record is read from HubSpot by the sync, not by the webhook
-- (read_at NULL until then). When the EHR referral arrives, the record is claimed: its rlx_ehr_id is set to the EHR
-- key, so the sync's upsert by rlx_ehr_id updates it instead of creating a second record.
CREATE TABLE hand_entered_referrals (
  tenant_id      bigint NOT NULL REFERENCES tenants (tenant_id),
  hubspot_id     text NOT NULL,
  -- The referral-source company it is associated with.
  company_id     text,
  -- The day the referral was received, in the tenant's time zone.
  received_date  date,
  business_line  text,
  -- When the record was created in HubSpot: several records of one source and day are paired oldest first.
  created_at     timestamptz,
  read_at        timestamptz,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  -- The EHR referral key it was given: set once, never changed, and never given to two records.
  claimed_key    text,
  claimed_at     timestamptz,
  PRIMARY KEY (tenant_id, hubspot_id),
  CHECK ((claimed_key IS NULL) = (claimed_at IS NULL))
);
CREATE UNIQUE INDEX hand_entered_referrals_claim ON hand_entered_referrals (tenant_id, claimed_key) WHERE claimed_key IS NOT NULL;
CREATE INDEX hand_entered_referrals_open ON hand_entered_referrals (tenant_id, company_id, received_date) WHERE claimed_key IS NULL;
