import type { ReferralCard } from '@referralynx/hubspot-shared';

/**
 * The referral's path as steps (DESIGN.md: received -> pending intake -> accepted -> SOC scheduled -> admitted; or
 * non-admitted, or cancelled). An open referral shows the road to admission; a closed one the road it took. Pure.
 */
const ROAD = [
  { status: 'received', label: 'Received' },
  { status: 'accepted', label: 'Accepted' },
  { status: 'soc_scheduled', label: 'SOC scheduled' },
  { status: 'admitted', label: 'Admitted' },
];

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function referralSteps(card: Pick<ReferralCard, 'status' | 'nonAdmit' | 'statusHistory'>): { stepNames: string[]; currentStep: number } {
  if (card.status === 'non_admitted' || card.status === 'cancelled') {
    // The steps it went through before it closed, then how it closed.
    const reached = ROAD.filter((step) => step.status === 'received' || card.statusHistory.items.some((moment) => moment.status === step.status));
    const end = card.status === 'cancelled' ? 'Cancelled by the source' : capitalized(card.nonAdmit?.outcome ?? 'not admitted');
    const stepNames = [...reached.map((step) => step.label), end];
    return { stepNames, currentStep: stepNames.length - 1 };
  }
  // Pending intake is still the first step: received, not yet decided.
  const at = ROAD.findIndex((step) => step.status === card.status);
  return { stepNames: ROAD.map((step) => step.label), currentStep: Math.max(at, 0) };
}

/** When the referral was received and when care started, in the agency's local time, from its history. */
export function keyMoments(card: Pick<ReferralCard, 'statusHistory'>): { receivedAt: string | null; startedCareAt: string | null } {
  const local = (status: string) => card.statusHistory.items.find((moment) => moment.status === status)?.local ?? null;
  return { receivedAt: local('received'), startedCareAt: local('admitted') };
}

/** A HubSpot record page. HubSpot's app host is app.hubspot.com (EU portals are redirected from it). */
export const recordUrl = (portalId: number, objectTypeId: '0-1' | '0-2', recordId: string) => `https://app.hubspot.com/contacts/${portalId}/record/${objectTypeId}/${recordId}`;
