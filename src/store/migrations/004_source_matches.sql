-- Source attribution (issue #4): which HubSpot company is the referral source, found by its NPI. A miss is kept
-- too, so the portal is not searched again for every referral; it is looked up again an hour later.
CREATE TABLE source_matches (
  tenant_id   bigint NOT NULL REFERENCES tenants (tenant_id),
  npi         text NOT NULL,
  company_id  text,
  method      text NOT NULL,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, npi)
);
