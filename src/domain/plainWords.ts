import { businessLines, type defaultNonAdmitReasons } from './vocabulary';

/**
 * How the agency says things to a referral source: the plain words shared by the follow-up tasks (a non-admit call,
 * a start-of-care update) and the partner summaries, so a source reads the same reason the same way in both.
 */

/** One of Referralynx's default reasons; an agency's list may reword them and add its own (nonAdmitReasons.ts). */
export type DefaultNonAdmitReason = (typeof defaultNonAdmitReasons)[number]['value'];

/**
 * Plain words for the source about why a referral was not admitted, and what the liaison can offer instead: the
 * defaults' (a tenant's reworded and added reasons are resolved by nonAdmitVocabulary).
 */
export const nonAdmitWords: Readonly<Record<DefaultNonAdmitReason, { reason: string; offer: string }>> = {
  insurance_not_accepted: {
    reason: 'insurance not accepted',
    offer: "We can suggest an agency in the patient's plan network, or go over other ways to cover care.",
  },
  outside_service_area: { reason: 'outside our service area', offer: "We can suggest an agency that serves the patient's area." },
  patient_declined: {
    reason: 'the patient or family declined care',
    offer: 'We are glad to see the patient again if anything changes.',
  },
  not_homebound: {
    reason: 'the patient is not homebound',
    offer: 'Outpatient therapy or a community program may fit better; we can share options.',
  },
  no_skilled_need: {
    reason: 'no skilled need',
    offer: 'Personal care or a community program may fit better; we can share options.',
  },
  staffing_unavailable: {
    reason: 'we had no staff available',
    offer: 'We can suggest an agency with capacity now, and will tell you as soon as we can take patients in that area again.',
  },
  went_to_another_agency: { reason: 'the patient chose another agency', offer: 'Thank you for thinking of us; we would welcome the next one.' },
  hospitalized: {
    reason: 'the patient was hospitalized before care began',
    offer: 'Send the referral again at discharge and we will start care promptly.',
  },
  expired: { reason: 'the patient passed away before care began', offer: 'Thank you for trusting us with this referral.' },
  physician_would_not_sign: {
    reason: 'the physician would not sign the orders',
    offer: 'With a physician willing to sign the orders, we can start care.',
  },
  other: { reason: 'we were not able to start care', offer: 'We are glad to talk through other options.' },
};

/** "22 hours"; past two days, in days ("5 days"), as a liaison would say it. */
export function hoursText(hours: number): string {
  const [count, unit] = hours < 48 ? [Math.round(hours), 'hour'] : [Math.round(hours / 24), 'day'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** "1 referral", "12 referrals": a count with its noun in the right number. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/**
 * A referral as HubSpot and the cards name it: its date, source and business line, e.g. "Referral 2026-11-25 ·
 * Mercy General · Home health", and nothing of the patient (DESIGN.md, minimum necessary).
 */
export function referralName(day: string | undefined, sourceName: string | undefined, businessLine: string | undefined): string {
  const line = businessLines.find((l) => l.value === businessLine)?.label ?? 'Unspecified';
  return `Referral ${day ?? 'undated'} · ${sourceName ?? 'Unknown source'} · ${line}`;
}
