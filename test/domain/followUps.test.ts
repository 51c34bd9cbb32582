import { nonAdmitVocabulary } from '../../src/domain/nonAdmitReasons';
import { BusinessCalendar } from '../../src/domain/businessTime';
import {
  admissionFollowUps,
  checkInFollowUps,
  closeTheLoopMessage,
  dormantSourceFollowUps,
  defaultFollowUpSettings,
  followUpSettingsSchema,
  messageForSource,
  referralFollowUps,
  type FollowUpContext,
  type TaskIntent,
} from '../../src/domain/followUps';
import type { AdmissionState, ReferralState } from '../../src/domain/referralLifecycle';

/**
 * The follow-up rules with hand-worked due times. The agency works 08:00-17:00, Monday to Friday, with US federal
 * holidays: in November 2026, Thanksgiving is Thursday the 26th, so the business day after Wednesday the 25th is
 * Friday the 27th. New York is UTC-5 in November (EST) and UTC-4 before Sunday 2026-11-01 (EDT).
 */

const NEW_YORK = 'America/New_York';
const settings = defaultFollowUpSettings;
const calendarIn = (timeZone: string) => new BusinessCalendar({ timeZone, holidayCalendar: 'US', ...settings.businessHours });
const newYork = calendarIn(NEW_YORK);

const context: FollowUpContext = {
  agencyName: 'Sunrise Home Health & Hospice',
  sourceName: 'Mercy General Hospital',
  sourceRef: 'npi:1234567893',
  clinicianName: 'Anita Patel, MD',
  firstFromSource: false,
  owners: { liaison: '71000101', intake: '71000105' },
};

function referral(fields: Partial<ReferralState> & { receivedAt: string }): ReferralState {
  const { receivedAt, ...rest } = fields;
  return {
    referralKey: 'REF-1001',
    patientHash: 'p-hash',
    status: 'received',
    facts: { receivedAt, businessLine: 'home_health', referringOrganization: { name: 'Mercy General Hospital' } },
    history: [{ status: 'received', at: receivedAt, eventId: 'e1' }],
    lastEventAt: receivedAt,
    ...rest,
  };
}

const summary = (intents: TaskIntent[]) =>
  intents.map((t) => ({ key: t.key, rule: t.rule, type: t.type, priority: t.priority, role: t.role, ownerId: t.ownerId, dueAt: t.dueAt.toISOString() }));

describe('a new referral', () => {
  // Wednesday 2026-11-25 14:10 EST = 19:10Z.
  const received = '2026-11-25T14:10:00-05:00';

  it('alerts the liaison at once, with the source and business line in the subject', () => {
    const intents = referralFollowUps(referral({ receivedAt: received }), context, settings, newYork, NEW_YORK, new Date('2026-11-25T19:11:00Z'));
    expect(summary(intents)).toEqual([
      { key: 'new_referral:REF-1001', rule: 'new_referral', type: 'TODO', priority: 'HIGH', role: 'liaison', ownerId: '71000101', dueAt: '2026-11-25T19:10:00.000Z' },
    ]);
    expect(intents[0]?.subject).toBe('New referral from Mercy General Hospital · home health');
    expect(intents[0]?.body).toContain('received November 25 at 2:10 PM');
  });

  it("is a source's first: a thank-you call the next business day at 10:00, skipping Thanksgiving", () => {
    const intents = referralFollowUps(referral({ receivedAt: received }), { ...context, firstFromSource: true }, settings, newYork, NEW_YORK, new Date('2026-11-25T19:11:00Z'));
    const thanks = intents.find((t) => t.rule === 'first_referral');
    // The day after Wednesday 11-25 is Thanksgiving; Friday 11-27 10:00 EST = 15:00Z.
    expect(thanks && summary([thanks])).toEqual([
      { key: 'first_referral:npi:1234567893', rule: 'first_referral', type: 'CALL', priority: 'MEDIUM', role: 'liaison', ownerId: '71000101', dueAt: '2026-11-27T15:00:00.000Z' },
    ]);
    expect(thanks?.subject).toBe('Thank-you call: first referral from Mercy General Hospital');
  });

  it('escalates once to intake and the liaison after 3 business hours without a status change, counted across a holiday', () => {
    const waiting = referral({ receivedAt: received });
    // Wednesday 14:10-17:00 is 2 h 50 min; Thursday is Thanksgiving; the last 10 minutes end Friday 08:10 EST = 13:10Z.
    expect(referralFollowUps(waiting, context, settings, newYork, NEW_YORK, new Date('2026-11-27T13:09:00Z')).filter((t) => t.rule === 'stalled_referral')).toEqual([]);
    const stalled = referralFollowUps(waiting, context, settings, newYork, NEW_YORK, new Date('2026-11-27T13:10:00Z')).filter((t) => t.rule === 'stalled_referral');
    expect(summary(stalled)).toEqual([
      { key: 'stalled_referral:REF-1001:intake', rule: 'stalled_referral', type: 'TODO', priority: 'HIGH', role: 'intake', ownerId: '71000105', dueAt: '2026-11-27T13:10:00.000Z' },
      { key: 'stalled_referral:REF-1001:liaison', rule: 'stalled_referral', type: 'TODO', priority: 'HIGH', role: 'liaison', ownerId: '71000101', dueAt: '2026-11-27T13:10:00.000Z' },
    ]);
    expect(stalled[0]?.subject).toBe('Stalled referral from Mercy General Hospital: no update 3 business hours after receipt');
    // Evaluated again an hour later: the same keys, so the store keeps one task each.
    const later = referralFollowUps(waiting, context, settings, newYork, NEW_YORK, new Date('2026-11-27T14:10:00Z')).filter((t) => t.rule === 'stalled_referral');
    expect(later.map((t) => t.key)).toEqual(stalled.map((t) => t.key));
  });

  it('is not stalled once its status has moved, and gives one task when intake is the liaison', () => {
    const accepted = referral({
      receivedAt: received,
      status: 'accepted',
      history: [
        { status: 'received', at: received, eventId: 'e1' },
        { status: 'accepted', at: '2026-11-25T15:00:00-05:00', eventId: 'e2' },
      ],
    });
    const now = new Date('2026-11-27T18:00:00Z');
    expect(referralFollowUps(accepted, context, settings, newYork, NEW_YORK, now).filter((t) => t.rule === 'stalled_referral')).toEqual([]);
    const sameOwner = { ...context, owners: { liaison: '71000101', intake: '71000101' } };
    const stalled = referralFollowUps(referral({ receivedAt: received }), sameOwner, settings, newYork, NEW_YORK, now).filter((t) => t.rule === 'stalled_referral');
    expect(stalled.map((t) => t.key)).toEqual(['stalled_referral:REF-1001:liaison']);
  });

  it('counts stalled business hours across the end of daylight saving time', () => {
    // Friday 2026-10-30 16:00 EDT (20:00Z): 1 h until 17:00; the clocks go back on Sunday 11-01; Monday 11-02 08:00 EST
    // plus the 2 remaining hours is 10:00 EST = 15:00Z.
    const friday = referral({ receivedAt: '2026-10-30T16:00:00-04:00' });
    const stalled = referralFollowUps(friday, context, settings, newYork, NEW_YORK, new Date('2026-11-02T15:00:00Z')).filter((t) => t.rule === 'stalled_referral');
    expect(stalled.map((t) => t.dueAt.toISOString())).toEqual(['2026-11-02T15:00:00.000Z', '2026-11-02T15:00:00.000Z']);
  });
});

describe('a non-admit', () => {
  function nonAdmitted(at: string, reason: ReferralState['nonAdmitReason'], businessLine: 'home_health' | 'hospice' = 'home_health'): ReferralState {
    const receivedAt = '2026-11-23T09:00:00-05:00';
    return referral({
      receivedAt,
      status: 'non_admitted',
      nonAdmitReason: reason,
      facts: { receivedAt, businessLine, referringOrganization: { name: 'Mercy General Hospital' } },
      history: [
        { status: 'received', at: receivedAt, eventId: 'e1' },
        { status: 'non_admitted', at, eventId: 'e2' },
      ],
    });
  }

  it('for insurance: exactly one call task for the source owner, due the same business day, with the reason in the subject', () => {
    // Monday 2026-11-23 11:30 EST; the same business day ends 17:00 EST = 22:00Z.
    const intents = referralFollowUps(nonAdmitted('2026-11-23T11:30:00-05:00', 'insurance_not_accepted'), context, settings, newYork, NEW_YORK, new Date('2026-11-23T16:31:00Z'));
    expect(summary(intents)).toEqual([
      { key: 'non_admit:REF-1001', rule: 'non_admit', type: 'CALL', priority: 'HIGH', role: 'liaison', ownerId: '71000101', dueAt: '2026-11-23T22:00:00.000Z' },
    ]);
    expect(intents[0]?.subject).toBe('Call Mercy General Hospital: referral of November 23 not admitted (insurance not accepted)');
    expect(intents[0]?.body).toContain('Call Anita Patel, MD at Mercy General Hospital today');
    expect(intents[0]?.body).toContain("We can suggest an agency in the patient's plan network");
    expect(intents[0]?.body).toContain('— Sunrise Home Health & Hospice');
  });

  it('after hours on a Friday: due at the end of Monday', () => {
    const intents = referralFollowUps(nonAdmitted('2026-11-20T18:30:00-05:00', 'outside_service_area'), context, settings, newYork, NEW_YORK, new Date('2026-11-21T12:00:00Z'));
    // Friday 18:30 is after hours; Saturday and Sunday are no business days: Monday 11-23 17:00 EST = 22:00Z.
    expect(intents.map((t) => [t.rule, t.dueAt.toISOString()])).toEqual([['non_admit', '2026-11-23T22:00:00.000Z']]);
    expect(intents[0]?.subject).toContain('outside our service area');
  });

  it('in hospice words: not taken under care', () => {
    const intents = referralFollowUps(nonAdmitted('2026-11-23T11:30:00-05:00', 'patient_declined', 'hospice'), context, settings, newYork, NEW_YORK, new Date('2026-11-23T16:31:00Z'));
    expect(intents[0]?.subject).toBe('Call Mercy General Hospital: referral of November 23 not taken under care (the patient or family declined care)');
  });

  it('for a tenant in Pacific time, the same business day is Pacific, even when the UTC date is already the next', () => {
    const losAngeles = calendarIn('America/Los_Angeles');
    // 2026-11-24T00:30Z is Monday 11-23 16:30 PST; the business day ends 17:00 PST = 2026-11-24T01:00Z.
    const intents = referralFollowUps(nonAdmitted('2026-11-24T00:30:00Z', 'staffing_unavailable'), context, settings, losAngeles, 'America/Los_Angeles', new Date('2026-11-24T00:31:00Z'));
    expect(intents.map((t) => t.dueAt.toISOString())).toEqual(['2026-11-24T01:00:00.000Z']);
  });

  it("in the agency's words: a reworded default and an added reason; a reason the agency never listed reads as other", () => {
    const nonAdmitReasons = nonAdmitVocabulary([
      { value: 'insurance_not_accepted', label: 'Insurance', words: "the patient's plan is not one we take", offer: 'Our intake team can check other plans with you.' },
      { value: 'no_caregiver', label: 'No caregiver at home' },
    ]);
    const now = new Date('2026-11-23T16:31:00Z');
    const [reworded] = referralFollowUps(nonAdmitted('2026-11-23T11:30:00-05:00', 'insurance_not_accepted'), { ...context, nonAdmitReasons }, settings, newYork, NEW_YORK, now);
    expect(reworded?.subject).toBe("Call Mercy General Hospital: referral of November 23 not admitted (the patient's plan is not one we take)");
    expect(reworded?.body).toContain(
      "\"Thank you for your referral of November 23. We were not able to admit your patient: the patient's plan is not one we take. Our intake team can check other plans with you. — Sunrise Home Health & Hospice\"",
    );
    // Added without words or offer: its label in lower case, and the generic offer.
    const [added] = referralFollowUps(nonAdmitted('2026-11-23T11:30:00-05:00', 'no_caregiver'), { ...context, nonAdmitReasons }, settings, newYork, NEW_YORK, now);
    expect(added?.subject).toBe('Call Mercy General Hospital: referral of November 23 not admitted (no caregiver at home)');
    expect(added?.body).toContain('We were not able to admit your patient: no caregiver at home. We are glad to talk through other options.');
    // The same reason for a tenant that has not added it.
    const [unlisted] = referralFollowUps(nonAdmitted('2026-11-23T11:30:00-05:00', 'no_caregiver'), context, settings, newYork, NEW_YORK, now);
    expect(unlisted?.subject).toBe('Call Mercy General Hospital: referral of November 23 not admitted (we were not able to start care)');
  });

  it('unsigned when the agency has not said its name', () => {
    const intents = referralFollowUps(nonAdmitted('2026-11-23T11:30:00-05:00', 'insurance_not_accepted'), { ...context, agencyName: undefined }, settings, newYork, NEW_YORK, new Date('2026-11-23T16:31:00Z'));
    expect(intents[0]?.body).toContain("or go over other ways to cover care.\"");
  });

  it('a year old (a backfill of history): no task', () => {
    const old = nonAdmitted('2025-11-24T11:30:00-05:00', 'insurance_not_accepted');
    expect(referralFollowUps(old, context, settings, newYork, NEW_YORK, new Date('2026-11-27T15:00:00Z'))).toEqual([]);
  });
});

describe('a start of care', () => {
  it('says days, not hours, past two days', () => {
    const receivedAt = '2026-11-20T10:00:00-05:00';
    const late = referral({
      receivedAt,
      status: 'admitted',
      firstVisitAt: '2026-11-25T09:00:00-05:00',
      history: [
        { status: 'received', at: receivedAt, eventId: 'e1' },
        { status: 'admitted', at: '2026-11-25T09:00:00-05:00', eventId: 'e2' },
      ],
    });
    // 5 days less an hour: 119 hours, said as 5 days.
    expect(referralFollowUps(late, context, settings, newYork, NEW_YORK, new Date('2026-11-25T15:00:00Z'))[0]?.subject).toBe(
      'Send SOC update to Mercy General Hospital: seen 5 days after referral',
    );
  });

  it('sends the SOC update the next business day at 10:00, saying how many hours after the referral the patient was seen', () => {
    // Received Tuesday 11-24 10:00 EST, first visit Wednesday 11-25 08:00 EST: 22 hours. The business day after
    // Wednesday is Friday 11-27 (Thanksgiving): 10:00 EST = 15:00Z.
    const receivedAt = '2026-11-24T10:00:00-05:00';
    const admitted = referral({
      receivedAt,
      status: 'admitted',
      firstVisitAt: '2026-11-25T08:00:00-05:00',
      socDate: '2026-11-25',
      history: [
        { status: 'received', at: receivedAt, eventId: 'e1' },
        { status: 'admitted', at: '2026-11-25T08:00:00-05:00', eventId: 'e2' },
      ],
    });
    const intents = referralFollowUps(admitted, context, settings, newYork, NEW_YORK, new Date('2026-11-25T14:00:00Z'));
    expect(summary(intents)).toEqual([
      { key: 'start_of_care:REF-1001', rule: 'start_of_care', type: 'EMAIL', priority: 'MEDIUM', role: 'liaison', ownerId: '71000101', dueAt: '2026-11-27T15:00:00.000Z' },
    ]);
    expect(intents[0]?.subject).toBe('Send SOC update to Mercy General Hospital: seen 22 hours after referral');
    expect(intents[0]?.body).toContain('Our team saw your patient on November 25, 22 hours after we received it, and home health care has started.');
  });
});

describe('the message that closes the loop', () => {
  const receivedAt = '2026-11-24T10:00:00-05:00';
  const admitted = referral({ receivedAt, status: 'admitted', firstVisitAt: '2026-11-25T08:00:00-05:00', socDate: '2026-11-25' });

  it('is the one the task carries, and reads back from its body without the quotes', () => {
    const loop = closeTheLoopMessage(admitted, context.agencyName, newYork, NEW_YORK);
    expect(loop).toEqual({
      rule: 'start_of_care',
      message:
        'Thank you for your referral of November 24. Our team saw your patient on November 25, 22 hours after we received it, and home health care has started. — Sunrise Home Health & Hospice',
    });
    const [task] = referralFollowUps(admitted, context, settings, newYork, NEW_YORK, new Date('2026-11-25T14:00:00Z'));
    expect(messageForSource(task?.body ?? '')).toBe(loop?.message);
  });

  it('explains a non-admit with its offer, even long after the task would have been due', () => {
    const nonAdmitted = referral({ receivedAt, status: 'non_admitted', nonAdmitReason: 'outside_service_area' });
    expect(closeTheLoopMessage(nonAdmitted, undefined, newYork, NEW_YORK)).toEqual({
      rule: 'non_admit',
      message: "Thank you for your referral of November 24. We were not able to admit your patient: outside our service area. We can suggest an agency that serves the patient's area.",
    });
  });

  it('is nothing yet while the referral is pending, and a body without a message gives none', () => {
    expect(closeTheLoopMessage(referral({ receivedAt }), context.agencyName, newYork, NEW_YORK)).toBeUndefined();
    expect(messageForSource('Check with intake, and tell the source where it stands.')).toBeUndefined();
  });
});

describe('a hospice election', () => {
  const admission = (fields: Partial<AdmissionState>): AdmissionState => ({
    admissionKey: 'EP-1001',
    referralKey: 'REF-1001',
    patientHash: 'p-hash',
    status: 'active',
    electionDate: '2026-11-20',
    facts: {},
    history: [],
    lastEventAt: '2026-11-20T12:00:00-05:00',
    ...fields,
  });

  it('without an accepted NOE on day 4 tells intake, due that day, with the 5-day deadline', () => {
    // Elected Friday 11-20 (day 0): day 3 is Monday 11-23, day 4 Tuesday 11-24; the NOE is due by day 5, 11-25.
    expect(admissionFollowUps(admission({}), context, settings, NEW_YORK, new Date('2026-11-24T04:59:00Z'))).toEqual([]);
    const intents = admissionFollowUps(admission({ noeSubmittedDate: '2026-11-22' }), context, settings, NEW_YORK, new Date('2026-11-24T05:00:00Z'));
    // Due Tuesday 11-24 17:00 EST = 22:00Z.
    expect(summary(intents)).toEqual([
      { key: 'noe_overdue:EP-1001', rule: 'noe_overdue', type: 'TODO', priority: 'HIGH', role: 'intake', ownerId: '71000105', dueAt: '2026-11-24T22:00:00.000Z' },
    ]);
    expect(intents[0]?.subject).toBe('Hospice NOE not accepted: elected November 20, due by November 25');
    expect(intents[0]?.body).toContain('(submitted November 22)');
  });

  it('with the NOE accepted, or no intake owner set', () => {
    expect(admissionFollowUps(admission({ noeAcceptedDate: '2026-11-23' }), context, settings, NEW_YORK, new Date('2026-11-24T15:00:00Z'))).toEqual([]);
    const noIntake = admissionFollowUps(admission({}), { ...context, owners: { liaison: '71000101', intake: undefined } }, settings, NEW_YORK, new Date('2026-11-24T15:00:00Z'));
    expect(noIntake.map((t) => [t.role, t.ownerId])).toEqual([['liaison', '71000101']]);
  });
});

describe('the rules settings', () => {
  it('default to rules an agency can keep, and take text from the CLI', () => {
    expect(defaultFollowUpSettings.businessHours).toEqual({ dayStart: '08:00', dayEnd: '17:00', workdays: [1, 2, 3, 4, 5] });
    expect(defaultFollowUpSettings.stalledReferral).toEqual({ enabled: true, afterBusinessHours: 3 });
    const parsed = followUpSettingsSchema.parse({ nonAdmit: { enabled: 'false' }, stalledReferral: { afterBusinessHours: '4' }, businessHours: { workdays: '1,2,3,4,5,6' } });
    expect(parsed.nonAdmit.enabled).toBe(false);
    expect(parsed.stalledReferral.afterBusinessHours).toBe(4);
    expect(parsed.businessHours.workdays).toEqual([1, 2, 3, 4, 5, 6]);
    expect(followUpSettingsSchema.safeParse({ startOfCare: { at: '25:00' } }).success).toBe(false);
  });

  it('a disabled rule raises nothing', () => {
    const off = followUpSettingsSchema.parse({ newReferral: { enabled: false } });
    expect(referralFollowUps(referral({ receivedAt: '2026-11-25T14:10:00-05:00' }), context, off, newYork, NEW_YORK, new Date('2026-11-25T19:11:00Z'))).toEqual([]);
  });
});

describe('a dormant source', () => {
  const source = (referralDates: string[]) => ({ sourceRef: 'npi:1234567893', sourceName: 'Mercy General Hospital', companyId: '5001', ownerId: '71000102', referralDates });

  it('after twice its usual gap (here 10 days, so the 21-day floor): one call, due the first business day of the spell', () => {
    // Every 10 days, the last on Sunday 10-11. Twice 10 is 20, below the 21-day floor: quiet from 11-01 (a Sunday).
    const dates = ['2026-09-01', '2026-09-11', '2026-09-21', '2026-10-01', '2026-10-11'];
    expect(dormantSourceFollowUps(source(dates), settings, newYork, new Date('2026-10-31T16:00:00Z'))).toEqual([]);
    const intents = dormantSourceFollowUps(source(dates), settings, newYork, new Date('2026-11-01T16:00:00Z'));
    // 11-01 is a Sunday: due the end of Monday 11-02, 17:00 EST = 22:00Z.
    expect(summary(intents)).toEqual([
      { key: 'dormant_source:npi:1234567893:2026-10-11', rule: 'dormant_source', type: 'CALL', priority: 'MEDIUM', role: 'company', ownerId: '71000102', dueAt: '2026-11-02T22:00:00.000Z' },
    ]);
    expect(intents[0]?.subject).toBe('Dormant source: no referral from Mercy General Hospital in 21 days (usually every 10)');
    expect(intents[0]).toMatchObject({ companyId: '5001', referralKey: undefined, withCompany: true });
  });

  it('after twice a long usual gap (every 4 weeks: 56 days), counting each referral day once', () => {
    // Mondays four weeks apart, two referrals on the last day; 08-24 + 56 days = Monday 10-19, due 17:00 EDT = 21:00Z.
    const dates = ['2026-06-01', '2026-06-29', '2026-07-27', '2026-08-24', '2026-08-24'];
    expect(dormantSourceFollowUps(source(dates), settings, newYork, new Date('2026-10-18T16:00:00Z'))).toEqual([]);
    expect(summary(dormantSourceFollowUps(source(dates), settings, newYork, new Date('2026-10-19T12:00:00Z')))).toEqual([
      { key: 'dormant_source:npi:1234567893:2026-08-24', rule: 'dormant_source', type: 'CALL', priority: 'MEDIUM', role: 'company', ownerId: '71000102', dueAt: '2026-10-19T21:00:00.000Z' },
    ]);
  });

  it('with fewer than 3 referral days there is no usual interval: no task', () => {
    expect(dormantSourceFollowUps(source(['2026-01-05', '2026-01-05', '2026-02-02']), settings, newYork, new Date('2026-11-27T15:00:00Z'))).toEqual([]);
  });
});

describe('an account check-in', () => {
  const account = (tier: string | undefined, lastActivityAt?: string) => ({
    companyId: '5001',
    sourceName: 'Mercy General Hospital',
    ownerId: '71000102',
    tier,
    lastActivityAt: lastActivityAt ? new Date(lastActivityAt) : undefined,
  });

  it('tier A: 14 days after the last contact, due that business day', () => {
    // Last contact Tuesday 11-10 (10:00 EST); 14 days later is Tuesday 11-24, due 17:00 EST = 22:00Z.
    expect(checkInFollowUps(account('A', '2026-11-10T15:00:00Z'), settings, newYork, new Date('2026-11-24T04:00:00Z'))).toEqual([]);
    const intents = checkInFollowUps(account('A', '2026-11-10T15:00:00Z'), settings, newYork, new Date('2026-11-24T13:00:00Z'));
    expect(summary(intents)).toEqual([
      { key: 'check_in:5001:2026-11-24', rule: 'check_in', type: 'CALL', priority: 'LOW', role: 'company', ownerId: '71000102', dueAt: '2026-11-24T22:00:00.000Z' },
    ]);
    expect(intents[0]?.subject).toBe('Check in with Mercy General Hospital (tier A, every 14 days; last contact November 10)');
  });

  it('tier C never contacted: due today; tier D or no tier: no cadence; the cadence is configurable', () => {
    expect(checkInFollowUps(account('C'), settings, newYork, new Date('2026-11-27T15:00:00Z')).map((t) => t.key)).toEqual(['check_in:5001:2026-11-27']);
    expect(checkInFollowUps(account('D', '2026-01-01T15:00:00Z'), settings, newYork, new Date('2026-11-27T15:00:00Z'))).toEqual([]);
    expect(checkInFollowUps(account(undefined, '2026-01-01T15:00:00Z'), settings, newYork, new Date('2026-11-27T15:00:00Z'))).toEqual([]);
    // B every 45 days instead of 30: from 10-01, due 11-15 (a Sunday: the end of Monday 11-16, 22:00Z).
    const slower = followUpSettingsSchema.parse({ checkIn: { everyDays: { B: '45' } } });
    expect(checkInFollowUps(account('B', '2026-10-01T15:00:00Z'), slower, newYork, new Date('2026-11-14T15:00:00Z'))).toEqual([]);
    expect(summary(checkInFollowUps(account('B', '2026-10-01T15:00:00Z'), slower, newYork, new Date('2026-11-16T15:00:00Z')))).toEqual([
      { key: 'check_in:5001:2026-11-15', rule: 'check_in', type: 'CALL', priority: 'LOW', role: 'company', ownerId: '71000102', dueAt: '2026-11-16T22:00:00.000Z' },
    ]);
  });
});
