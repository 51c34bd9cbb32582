import {
  accountTiers,
  admissionSources,
  admissionStatuses,
  businessLines,
  commissionStatuses,
  followUpRules,
  payerCategories,
  referralStatuses,
  referralTrends,
  timelyInitiationOutcomes,
} from '../domain/vocabulary';
import { defaultNonAdmitVocabulary, type NonAdmitVocabulary } from '../domain/nonAdmitReasons';
import type { ObjectSchemaDefinition, PipelineStageDefinition, PropertyDefinition } from './api';

/**
 * What Referralynx needs in a HubSpot portal. Provisioning (provision.ts) creates what is missing and completes what
 * is partial; it never deletes or rewrites what a person changed.
 *
 * No patient identifiers anywhere (DESIGN.md, minimum necessary): a referral is named by date, source and business
 * line, and carries its EHR id (the agency's referral number, not the MRN).
 */

/** Companies and contacts Referralynx creates for unmatched sources carry their source reference, unique: creating one twice is an upsert. */
export const SOURCE_ID_PROPERTY = 'rlx_source_id';
/** A company's account tier (A, B, C, D): its check-in cadence (src/domain/followUps.ts). */
export const ACCOUNT_TIER_PROPERTY = 'rlx_account_tier';
/** When the company's next check-in falls due, by its tier's cadence from its last activity. */
export const NEXT_CHECK_IN_PROPERTY = 'rlx_next_checkin_due';

export const PROPERTY_GROUP = { name: 'referralynx', label: 'Referralynx', displayOrder: -1 } as const;

const options = (values: ReadonlyArray<{ value: string; label: string }>) =>
  values.map((option, displayOrder) => ({ label: option.label, value: option.value, displayOrder, hidden: false }));

const text = (name: string, label: string, description: string): PropertyDefinition => ({
  name,
  label,
  description,
  type: 'string',
  fieldType: 'text',
  groupName: PROPERTY_GROUP.name,
});
const number = (name: string, label: string, description: string, hint?: PropertyDefinition['numberDisplayHint']): PropertyDefinition => ({
  name,
  label,
  description,
  type: 'number',
  fieldType: 'number',
  groupName: PROPERTY_GROUP.name,
  ...(hint ? { numberDisplayHint: hint } : {}),
});
const date = (name: string, label: string, description: string): PropertyDefinition => ({
  name,
  label,
  description,
  type: 'date',
  fieldType: 'date',
  groupName: PROPERTY_GROUP.name,
});
const datetime = (name: string, label: string, description: string): PropertyDefinition => ({
  name,
  label,
  description,
  type: 'datetime',
  fieldType: 'date',
  groupName: PROPERTY_GROUP.name,
});
const choice = (
  name: string,
  label: string,
  description: string,
  values: ReadonlyArray<{ value: string; label: string }>,
): PropertyDefinition => ({
  name,
  label,
  description,
  type: 'enumeration',
  fieldType: 'select',
  groupName: PROPERTY_GROUP.name,
  options: options(values),
});

/**
 * A "HubSpot user" property: an enumeration whose options are the portal's owners, as hubspot_owner_id is, so reports
 * group and filter by the person. Created through the properties API with externalOptions and referencedObjectType
 * OWNER (https://developers.hubspot.com/changelog/updating-objects-by-custom-field-and-adding-owner-properties-via-the-api;
 * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/create-property). Its value is an owner id.
 */
const owner = (name: string, label: string, description: string): PropertyDefinition => ({
  ...text(name, label, description),
  type: 'enumeration',
  fieldType: 'select',
  externalOptions: true,
  referencedObjectType: 'OWNER',
});

/** The unique property each custom object is upserted by (HubSpot batch upsert needs a hasUniqueValue idProperty). */
export const EHR_ID_PROPERTY = 'rlx_ehr_id';

export const NON_ADMIT_REASON_PROPERTY = 'rlx_non_admit_reason';

/** The Referral's non-admit reason, its options the tenant's list (src/domain/nonAdmitReasons.ts) in order. */
export function nonAdmitReasonProperty(nonAdmitReasons: NonAdmitVocabulary): PropertyDefinition {
  return choice(NON_ADMIT_REASON_PROPERTY, 'Non-admit reason', 'Why the referral was not admitted (hospice: not taken under care).', nonAdmitReasons);
}

export const referralObject: ObjectSchemaDefinition = {
  name: 'rlx_referral',
  labels: { singular: 'Referral', plural: 'Referrals' },
  description: 'A patient referral from a referral source, kept in step with the EHR by Referralynx.',
  primaryDisplayProperty: 'rlx_referral_name',
  secondaryDisplayProperties: ['rlx_status', 'rlx_business_line', 'rlx_received_at'],
  searchableProperties: ['rlx_referral_name', EHR_ID_PROPERTY],
  // Not the EHR id: intake creates Referral records by hand (a referral taken by phone before the EHR has it), and
  // the sync gives them their EHR id when the EHR referral arrives (src/sync/handEntered.ts).
  requiredProperties: ['rlx_referral_name'],
  associatedObjects: ['COMPANY', 'CONTACT'],
  properties: [
    { ...text(EHR_ID_PROPERTY, 'EHR referral id', "The referral's id in the agency's EHR (never the MRN)."), hasUniqueValue: true },
    text('rlx_referral_name', 'Referral', 'Date, referral source and business line, e.g. "Referral 2026-11-27 · Mercy General · Home health".'),
    choice('rlx_status', 'Referral status', 'Where the referral stands in intake.', referralStatuses),
    choice('rlx_business_line', 'Business line', 'Home health, hospice or palliative.', businessLines),
    datetime('rlx_received_at', 'Received at', 'When the agency received the referral.'),
    date('rlx_referral_date', 'Referral date (M0104)', 'OASIS M0104: the date the referral was received.'),
    date('rlx_ordered_soc_date', 'Physician-ordered SOC date (M0102)', 'OASIS M0102, when the physician ordered a start date.'),
    date('rlx_soc_date', 'Start of care date (M0030)', 'OASIS M0030.'),
    nonAdmitReasonProperty(defaultNonAdmitVocabulary),
    choice('rlx_payer_category', 'Payer category', 'Source of Payment Typology family.', payerCategories),
    number('rlx_hours_to_soc', 'Hours to start of care', 'Hours from referral received to the first visit.'),
    choice('rlx_timely_initiation', 'Timely initiation', 'CMS timely initiation of care (dates in the agency time zone).', timelyInitiationOutcomes),
    choice('rlx_admission_source', 'Admission source (PDGM)', 'Institutional when an inpatient discharge falls in the 14 days before SOC.', admissionSources),
    text('rlx_branch', 'Branch', 'The agency branch handling the referral.'),
  ],
};

/** The Referral object as a tenant wants it: rlx_non_admit_reason with the tenant's reasons as options. */
export function referralObjectFor(nonAdmitReasons: NonAdmitVocabulary): ObjectSchemaDefinition {
  return {
    ...referralObject,
    properties: referralObject.properties.map((property) => (property.name === NON_ADMIT_REASON_PROPERTY ? nonAdmitReasonProperty(nonAdmitReasons) : property)),
  };
}

/**
 * Properties earlier versions made required and this one does not: provisioning drops their required flag in a portal
 * set up before (a safe completion: it refuses nothing that was accepted). Flags a person set stay.
 */
export const noLongerRequired: Readonly<Record<string, readonly string[]>> = {
  [referralObject.name]: [EHR_ID_PROPERTY],
};

export const admissionObject: ObjectSchemaDefinition = {
  name: 'rlx_admission',
  labels: { singular: 'Admission', plural: 'Admissions' },
  description: 'An admission (start of care) that came from a referral, kept in step with the EHR by Referralynx.',
  primaryDisplayProperty: 'rlx_admission_name',
  secondaryDisplayProperties: ['rlx_status', 'rlx_business_line', 'rlx_soc_date'],
  searchableProperties: ['rlx_admission_name', EHR_ID_PROPERTY],
  requiredProperties: ['rlx_admission_name', EHR_ID_PROPERTY],
  associatedObjects: ['COMPANY'],
  properties: [
    { ...text(EHR_ID_PROPERTY, 'EHR admission id', "The admission's (episode's) id in the agency's EHR (never the MRN)."), hasUniqueValue: true },
    text('rlx_admission_name', 'Admission', 'SOC date, referral source and business line.'),
    choice('rlx_status', 'Admission status', 'Active, discharged, transferred, expired or cancelled.', admissionStatuses),
    choice('rlx_business_line', 'Business line', 'Home health, hospice or palliative.', businessLines),
    date('rlx_soc_date', 'Start of care date (M0030)', 'OASIS M0030.'),
    date('rlx_discharge_date', 'Discharge date', 'When care ended.'),
    choice('rlx_payer_category', 'Payer category', 'Source of Payment Typology family.', payerCategories),
    date('rlx_election_date', 'Hospice election date', 'Hospice only: the date the benefit was elected.'),
    date('rlx_noe_accepted_date', 'NOE accepted date', 'Hospice only: when the Notice of Election was accepted (due within 5 calendar days).'),
    // Commissions (issue #8): where the admission stands under the agency's plan, kept in step by Referralynx.
    choice('rlx_commission_status', 'Commission status', 'Not yet eligible, earned, clawed back or ineligible under the commission plan.', commissionStatuses),
    text('rlx_commission_reason', 'Commission reason', 'Why the commission stands as it does: how it counted, what it waits for, or why it is ineligible.'),
    number('rlx_commission_amount', 'Commission amount', 'What this admission pays now across its payees, in dollars, net of any clawback.', 'currency'),
    owner('rlx_commission_payee', 'Commission payee', 'The owner paid for this admission; with a split credit, the one with the largest share.'),
    text('rlx_commission_split', 'Commission split', 'With a split credit, every payee (owner id) and their share in dollars.'),
    text('rlx_commission_period', 'Commission period', 'The month (YYYY-MM) the admission counted in.'),
    text('rlx_commission_plan_id', 'Commission plan', 'The id of the commission plan applied.'),
    number('rlx_commission_plan_version', 'Commission plan version', 'The version of the plan applied: the one in effect when the referral counted.'),
  ],
};

/** The referral intake pipeline: one stage per referral status, closed stages marked as such. */
export const REFERRAL_PIPELINE_LABEL = 'Referral intake';
export const referralPipelineStages: Array<PipelineStageDefinition & { status: string }> = referralStatuses.map(
  (status, displayOrder) => ({
    status: status.value,
    label: status.label,
    displayOrder,
    // For custom objects HubSpot accepts stage metadata; isClosed marks outcome stages in reports.
    metadata: { isClosed: String(['admitted', 'non_admitted', 'cancelled'].includes(status.value)) },
  }),
);

/** Association labels (USER_DEFINED), by the key the sync uses to find their type ids. */
export const associationLabels = [
  { key: 'referral_to_company', from: 'referral', to: 'companies', label: 'Referral source', name: 'rlx_referral_source' },
  { key: 'referral_to_contact', from: 'referral', to: 'contacts', label: 'Referring clinician', name: 'rlx_referring_clinician' },
  { key: 'admission_to_referral', from: 'admission', to: 'referral', label: 'Admitted from referral', name: 'rlx_admitted_from_referral' },
  { key: 'admission_to_company', from: 'admission', to: 'companies', label: 'Referral source', name: 'rlx_admission_referral_source' },
] as const;

/** Scorecard properties that the metrics fill on referral-source companies and referring clinicians. */
const scorecardProperties: PropertyDefinition[] = [
  number('rlx_referrals_30d', 'Referrals (30 days)', 'Referrals received in the last 30 days.'),
  number('rlx_referrals_90d', 'Referrals (90 days)', 'Referrals received in the last 90 days.'),
  number('rlx_admissions_30d', 'Admissions (30 days)', 'Referrals received in the last 30 days that were admitted.'),
  number('rlx_admissions_90d', 'Admissions (90 days)', 'Referrals received in the last 90 days that were admitted.'),
  number('rlx_conversion_rate_90d', 'Conversion rate (90 days)', 'Admitted / (admitted + non-admitted); pending and cancelled referrals are left out.', 'percentage'),
  number('rlx_median_hours_to_soc_90d', 'Median hours to SOC (90 days)', 'Median hours from referral received to the first visit.'),
  number('rlx_timely_initiation_rate_90d', 'Timely initiation rate (90 days)', 'CMS timely initiation of care, missing cases left out.', 'percentage'),
  date('rlx_last_referral_date', 'Last referral date', 'When the last referral from this source was received.'),
  number('rlx_days_since_last_referral', 'Days since last referral', 'Days since the last referral, in the agency time zone.'),
  choice('rlx_referral_trend', 'Referral trend', 'Last 30 days against the 30 before, with a guard for small numbers.', referralTrends),
  choice(ACCOUNT_TIER_PROPERTY, 'Account tier', 'The tier the agency rule assigns (drives the check-in cadence).', accountTiers),
  date(NEXT_CHECK_IN_PROPERTY, 'Next check-in due', 'When the liaison should next check in with this source.'),
  text('rlx_npi', 'NPI', 'National Provider Identifier, used to match EHR referral sources.'),
  {
    ...text(SOURCE_ID_PROPERTY, 'EHR source reference', 'Set when Referralynx created this record for an unmatched EHR referral source.'),
    hasUniqueValue: true,
  },
];

/**
 * Every follow-up task carries the dedupe key our database keeps for it, so that after a crash between HubSpot's
 * answer and our commit a retry finds the task by searching for its key instead of creating it twice. Not a unique
 * property: nothing here relies on HubSpot refusing a second task with the same key, only on finding the first.
 */
export const TASK_KEY_PROPERTY = 'rlx_task_key';
/** The rule that made the task, for completion reports per rule in HubSpot's report builder. */
export const TASK_RULE_PROPERTY = 'rlx_follow_up_rule';

const taskProperties: PropertyDefinition[] = [
  text(TASK_KEY_PROPERTY, 'Referralynx follow-up key', 'Set by Referralynx on the follow-up tasks it creates, so that it never creates one twice.'),
  choice(TASK_RULE_PROPERTY, 'Referralynx follow-up rule', 'The follow-up rule that created this task.', followUpRules),
];

/**
 * HUBSPOT_DEFINED association types from tasks to the standard objects a follow-up task is attached to: the same in
 * every portal (https://developers.hubspot.com/docs/api/crm/associations#association-type-id-values: task to company
 * 192, task to contact 204). The type from tasks to Referral records is the portal's own: provisioning reads it.
 */
export const TASK_TO_COMPANY_TYPE_ID = 192;
export const TASK_TO_CONTACT_TYPE_ID = 204;

export const standardObjectProperties = [
  { objectType: 'companies', properties: scorecardProperties },
  { objectType: 'contacts', properties: scorecardProperties },
  { objectType: 'tasks', properties: taskProperties },
] as const;
