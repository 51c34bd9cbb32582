import type { FollowUpSettings } from '@referralynx/hubspot-shared';

/** Which follow-up rule (src/domain/vocabulary.ts followUpRules) each block of the follow-up settings turns on and off. */
export const RULE_SETTINGS: Readonly<Record<string, keyof FollowUpSettings>> = {
  new_referral: 'newReferral',
  first_referral: 'firstReferral',
  non_admit: 'nonAdmit',
  start_of_care: 'startOfCare',
  stalled_referral: 'stalledReferral',
  check_in: 'checkIn',
  dormant_source: 'dormantSource',
  noe_overdue: 'noe',
  partner_summary: 'partnerSummary',
};

export type RuleKey = Exclude<keyof FollowUpSettings, 'businessHours' | 'skipOlderThanDays' | 'intakeOwner'>;

/** A rule block with one setting changed, the others kept. */
export function withRule<K extends RuleKey>(settings: FollowUpSettings, key: K, change: Partial<FollowUpSettings[K]>): FollowUpSettings {
  return { ...settings, [key]: { ...settings[key], ...change } };
}
