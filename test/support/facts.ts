import type { ReferralFact } from '../../src/store/scorecardStore';

/** A referral fact as a test writes it: a home health referral of `companyId` with nothing measured unless given. */
export function referralFact(
  referralKey: string,
  companyId: string,
  fields: Partial<ReferralFact> & Pick<ReferralFact, 'receivedAt' | 'status'>,
): ReferralFact {
  return {
    referralKey,
    companyId,
    contactId: null,
    businessLine: 'home_health',
    payerCategory: null,
    nonAdmitReason: null,
    hoursToSoc: null,
    timelyInitiation: null,
    ...fields,
  };
}
