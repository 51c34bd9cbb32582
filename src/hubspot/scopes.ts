/**
 * The scopes the Referralynx app asks for when it is installed, and why. This list is the source of truth:
 * hubspot-app/app/app-hsmeta.json (auth.requiredScopes) must carry exactly these, in this order, and
 * test/hubspot-project.test.ts fails when the two drift apart.
 *
 * Kept minimal on purpose (HIPAA minimum necessary, and a shorter consent screen for the installing admin):
 * - tasks and notes need no scope of their own: HubSpot documents the tasks and notes engagement APIs under the
 *   contacts scopes (https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide,
 *   https://developers.hubspot.com/docs/api-reference/latest/crm/activities/notes/guide);
 * - webhook subscriptions need the read scope of the object they watch, which the list already has
 *   (company owner changes, merges and deletions: crm.objects.companies.read; Referral records:
 *   crm.objects.custom.read);
 * - pipelines and association labels on Referral and Admission are covered by the custom-object scopes below
 *   (the pipelines and association-schema APIs accept any one of the object scopes they list:
 *   https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide,
 *   https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associations-schema/guide).
 * Sensitive-data scopes (`*.sensitive.*.v2`) are deliberately absent: no patient data goes to HubSpot by default.
 */
export const REQUIRED_SCOPES = [
  // Read referral-source companies: scorecards are computed for them, and company owner changes, merges and
  // deletions arrive as webhooks. https://developers.hubspot.com/docs/api-reference/latest/crm/objects/companies/guide
  'crm.objects.companies.read',
  // Write scorecard properties on referral-source companies.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/objects/companies/guide
  'crm.objects.companies.write',
  // Read referring clinicians (contacts), and read back follow-up tasks and notes (the engagement APIs are
  // documented under the contacts scopes).
  // https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide
  'crm.objects.contacts.read',
  // Write scorecard properties on referring clinicians, and create follow-up tasks and close-the-loop notes.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/activities/notes/guide
  'crm.objects.contacts.write',
  // Read Referral and Admission records, and receive the webhook when a user creates a Referral in HubSpot.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/objects/custom-objects/guide
  'crm.objects.custom.read',
  // Upsert Referral and Admission records (by their unique EHR-id property) and their associations.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/objects/custom-objects/guide
  'crm.objects.custom.write',
  // Resolve the owner of a referral source, who gets the follow-up task.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide
  'crm.objects.owners.read',
  // Read company property definitions and groups, to diff them before creating the scorecard properties.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
  'crm.schemas.companies.read',
  // Create the Referralynx property group and scorecard properties on companies.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
  'crm.schemas.companies.write',
  // Read contact property definitions and groups, to diff them before creating the clinician scorecard properties.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
  'crm.schemas.contacts.read',
  // Create the Referralynx property group and scorecard properties on contacts.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
  'crm.schemas.contacts.write',
  // Read the Referral and Admission schemas (object type ids, properties, association definitions) to diff them.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/objects/schemas/guide
  'crm.schemas.custom.read',
  // Create the Referral and Admission schemas, their properties and property groups, the referral intake
  // pipeline and the association labels.
  // https://developers.hubspot.com/docs/api-reference/latest/crm/objects/schemas/guide
  'crm.schemas.custom.write',
] as const;

export type HubSpotScope = (typeof REQUIRED_SCOPES)[number];
