-- Source attribution (issue #4): which HubSpot company is the referral source and which contact the referring
-- clinician, found by NPI. A miss is kept too, so the portal is not searched again for every referral; it is looked
-- up again an hour later.
CREATE TABLE source_matches (
  tenant_id    bigint NOT NULL REFERENCES tenants (tenant_id),
  object_type  text NOT NULL CHECK (object_type IN ('companies', 'contacts')),
  npi          text NOT NULL,
  hubspot_id   text,
  method       text NOT NULL,
  checked_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, object_type, npi)
);
