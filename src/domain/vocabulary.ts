/**
 * The agency's words for a referral's life (DESIGN.md, domain facts). Pure data: the HubSpot data model, the EHR
 * mappings and the rules all take their values from here.
 */

/** received -> (pending intake) -> accepted -> SOC scheduled -> admitted; or non-admitted with a reason; or cancelled. */
export const referralStatuses = [
  { value: 'received', label: 'Received' },
  { value: 'pending_intake', label: 'Pending intake' },
  { value: 'accepted', label: 'Accepted' },
  { value: 'soc_scheduled', label: 'SOC scheduled' },
  { value: 'admitted', label: 'Admitted' },
  { value: 'non_admitted', label: 'Non-admitted' },
  { value: 'cancelled', label: 'Cancelled' },
] as const;

export type ReferralStatus = (typeof referralStatuses)[number]['value'];

/** Statuses a referral does not leave: won, lost (with a reason), or withdrawn by the source. */
export const closedReferralStatuses: readonly ReferralStatus[] = ['admitted', 'non_admitted', 'cancelled'];

export const businessLines = [
  { value: 'home_health', label: 'Home health' },
  { value: 'hospice', label: 'Hospice' },
  { value: 'palliative', label: 'Palliative' },
] as const;

export type BusinessLine = (typeof businessLines)[number]['value'];

/** The default non-admit reasons; a tenant may configure its own list. Hospice calls a non-admit "not taken under care". */
export const defaultNonAdmitReasons = [
  { value: 'insurance_not_accepted', label: 'Insurance not accepted / no authorization' },
  { value: 'outside_service_area', label: 'Outside service area' },
  { value: 'patient_declined', label: 'Patient or family declined' },
  { value: 'not_homebound', label: 'Not homebound' },
  { value: 'no_skilled_need', label: 'No skilled need' },
  { value: 'staffing_unavailable', label: 'Staffing unavailable' },
  { value: 'went_to_another_agency', label: 'Went to another agency' },
  { value: 'hospitalized', label: 'Hospitalized' },
  { value: 'expired', label: 'Expired' },
  { value: 'physician_would_not_sign', label: 'Physician would not sign' },
  { value: 'other', label: 'Other' },
] as const;

/** Payer categories by the Source of Payment Typology families (PHDSC SOPT). */
export const payerCategories = [
  { value: 'medicare_ffs', label: 'Medicare fee-for-service' },
  { value: 'medicare_advantage', label: 'Medicare Advantage' },
  { value: 'medicaid_managed', label: 'Medicaid managed care' },
  { value: 'medicaid_ffs', label: 'Medicaid fee-for-service' },
  { value: 'commercial', label: 'Commercial' },
  { value: 'va_military', label: 'VA / military' },
  { value: 'self_pay', label: 'Self-pay' },
  { value: 'other', label: 'Other' },
] as const;

export type PayerCategory = (typeof payerCategories)[number]['value'];

export const admissionStatuses = [
  { value: 'active', label: 'Active' },
  { value: 'discharged', label: 'Discharged' },
  { value: 'transferred', label: 'Transferred' },
  { value: 'expired', label: 'Expired' },
  { value: 'cancelled', label: 'Cancelled' },
] as const;

export const timelyInitiationOutcomes = [
  { value: 'timely', label: 'Timely' },
  { value: 'not_timely', label: 'Not timely' },
  { value: 'missing', label: 'Missing (left out of the rate)' },
] as const;

/** PDGM admission source: institutional when an inpatient discharge falls in the 14 days before SOC. */
export const admissionSources = [
  { value: 'institutional', label: 'Institutional' },
  { value: 'community', label: 'Community' },
] as const;

export const referralTrends = [
  { value: 'up', label: 'Up' },
  { value: 'flat', label: 'Flat' },
  { value: 'down', label: 'Down' },
  { value: 'too_few', label: 'Too few referrals to tell' },
] as const;

export const accountTiers = [
  { value: 'A', label: 'A' },
  { value: 'B', label: 'B' },
  { value: 'C', label: 'C' },
  { value: 'D', label: 'D (dormant or new)' },
] as const;

/**
 * The follow-up rules that create a liaison's tasks. Each task names its rule, so a manager can report completion
 * per rule in HubSpot's report builder.
 */
export const followUpRules = [
  { value: 'new_referral', label: 'New referral' },
  { value: 'first_referral', label: 'First referral from a source' },
  { value: 'non_admit', label: 'Non-admit explained' },
  { value: 'start_of_care', label: 'Start of care update' },
  { value: 'stalled_referral', label: 'Stalled referral' },
  { value: 'check_in', label: 'Account check-in' },
  { value: 'dormant_source', label: 'Dormant source' },
  { value: 'noe_overdue', label: 'Hospice NOE not accepted' },
  { value: 'partner_summary', label: 'Partner summary' },
  { value: 'pilot_at_risk', label: 'Pilot at risk' },
] as const;

export type FollowUpRule = (typeof followUpRules)[number]['value'];

/** Where a referral stands for commission (the rlx_commission_status of admissions, issue #8). */
export const commissionStatuses = [
  { value: 'not_yet_eligible', label: 'Not yet eligible' },
  { value: 'earned', label: 'Earned' },
  { value: 'clawed_back', label: 'Clawed back' },
  { value: 'ineligible', label: 'Ineligible' },
] as const;

export type CommissionStatus = (typeof commissionStatuses)[number]['value'];
