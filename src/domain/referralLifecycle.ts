import type { CanonicalEvent, EventOf, ReferralFacts } from './events';
import type { ReferralStatus } from './vocabulary';

/**
 * Referral and admission state, derived from events alone. The state is a function of the set of events, not of
 * the order they arrived in: events are folded in the order they happened (occurredAt, then a fixed order of kinds,
 * then eventId), so a discharge that arrives before its admission, a replay, or a shuffled feed all converge to the
 * same state. Pure: no clock, no I/O.
 */

export type AdmissionStatus = 'active' | 'discharged' | 'transferred' | 'expired' | 'cancelled';

export interface StatusChange<S extends string> {
  status: S;
  at: string;
  eventId: string;
}

export interface ReferralState {
  referralKey: string;
  patientHash: string;
  status: ReferralStatus;
  /** Facts merged in event order: a later correction wins, a missing value keeps the earlier one. */
  facts: ReferralFacts;
  nonAdmitReason?: EventOf<'referral.non_admitted'>['reason'];
  cancelledBy?: EventOf<'referral.cancelled'>['cancelledBy'];
  scheduledSocDate?: string;
  /** The admission that made it "admitted", when there is one. */
  admissionKey?: string;
  socDate?: string;
  firstVisitAt?: string;
  history: Array<StatusChange<ReferralStatus>>;
  /** The newest occurredAt among the events that shaped it. */
  lastEventAt: string;
}

export interface AdmissionState {
  admissionKey: string;
  referralKey?: string;
  patientHash: string;
  status: AdmissionStatus;
  /** Undefined while only later events (a discharge) have arrived and the admission itself has not. */
  socDate?: string;
  firstVisitAt?: string;
  dischargeDate?: string;
  dischargeReason?: EventOf<'admission.discharged'>['reason'];
  electionDate?: string;
  noeSubmittedDate?: string;
  noeAcceptedDate?: string;
  /** When billing found it cannot be billed, and why (the first finding; it feeds the non_billable clawback). */
  nonBillable?: { at: string; reason: string };
  facts: ReferralFacts;
  history: Array<StatusChange<AdmissionStatus>>;
  lastEventAt: string;
}

/** Among events at the same instant, the order in which they make sense. */
const kindOrder: Record<CanonicalEvent['kind'], number> = {
  'referral.received': 0,
  'referral.updated': 1,
  'referral.accepted': 2,
  'soc.scheduled': 3,
  'referral.non_admitted': 4,
  'referral.cancelled': 5,
  'admission.admitted': 6,
  'hospice.elected': 7,
  'hospice.noe_submitted': 8,
  'hospice.noe_accepted': 9,
  'admission.discharged': 10,
  'discharge.cancelled': 11,
  'admission.cancelled': 12,
  'admission.non_billable': 13,
};

export function compareEvents(a: CanonicalEvent, b: CanonicalEvent): number {
  const at = Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
  if (at !== 0) return at;
  const kind = kindOrder[a.kind] - kindOrder[b.kind];
  if (kind !== 0) return kind;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function mergeFacts(into: ReferralFacts, facts: ReferralFacts | undefined): ReferralFacts {
  if (!facts) return into;
  const merged: ReferralFacts = { ...into };
  for (const [key, value] of Object.entries(facts) as Array<[keyof ReferralFacts, unknown]>) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Folds one admission's events. */
export function deriveAdmission(events: readonly EventOf<AdmissionEventKind>[]): AdmissionState | undefined {
  const sorted = [...events].sort(compareEvents);
  const first = sorted[0];
  if (!first) return undefined;
  let state: AdmissionState = {
    admissionKey: first.admissionKey,
    patientHash: first.patientHash,
    status: 'active',
    facts: {},
    history: [],
    lastEventAt: first.occurredAt,
  };
  const move = (status: AdmissionStatus, event: CanonicalEvent) => {
    if (state.status !== status || state.history.length === 0) state.history.push({ status, at: event.occurredAt, eventId: event.eventId });
    state.status = status;
  };
  for (const event of sorted) {
    state.lastEventAt = later(state.lastEventAt, event.occurredAt);
    state.patientHash = event.patientHash;
    switch (event.kind) {
      case 'admission.admitted':
        state = {
          ...state,
          socDate: event.socDate,
          ...(event.referralKey ? { referralKey: event.referralKey } : {}),
          ...(event.firstVisitAt ? { firstVisitAt: event.firstVisitAt } : {}),
          facts: mergeFacts(state.facts, event.facts),
        };
        // A re-sent admit does not reopen a discharged admission; only an admit after a cancellation does.
        if (state.history.length === 0 || state.status === 'cancelled') move('active', event);
        break;
      case 'admission.discharged': {
        const { dischargeDate, reason } = event;
        state = { ...state, dischargeDate, dischargeReason: reason };
        move(reason === 'transferred' ? 'transferred' : reason === 'expired' ? 'expired' : 'discharged', event);
        break;
      }
      case 'discharge.cancelled': {
        const { dischargeDate: _date, dischargeReason: _reason, ...open } = state;
        state = open;
        if (state.status !== 'cancelled') move('active', event);
        break;
      }
      case 'admission.cancelled':
        move('cancelled', event);
        break;
      case 'admission.non_billable':
        // The first finding stands: a clawback is known from the day billing first said so.
        state.nonBillable ??= { at: event.occurredAt, reason: event.reason };
        break;
      case 'hospice.elected':
        state.electionDate = event.electionDate;
        break;
      case 'hospice.noe_submitted':
        state.noeSubmittedDate = event.submittedDate;
        break;
      case 'hospice.noe_accepted':
        state.noeAcceptedDate = event.acceptedDate;
        break;
    }
  }
  return state;
}

export type AdmissionEventKind =
  | 'admission.admitted'
  | 'admission.discharged'
  | 'admission.cancelled'
  | 'admission.non_billable'
  | 'discharge.cancelled'
  | 'hospice.elected'
  | 'hospice.noe_submitted'
  | 'hospice.noe_accepted';

export type ReferralEventKind =
  | 'referral.received'
  | 'referral.updated'
  | 'referral.accepted'
  | 'referral.non_admitted'
  | 'referral.cancelled'
  | 'soc.scheduled';

const admissionKinds = new Set<string>([
  'admission.admitted',
  'admission.discharged',
  'admission.cancelled',
  'admission.non_billable',
  'discharge.cancelled',
  'hospice.elected',
  'hospice.noe_submitted',
  'hospice.noe_accepted',
]);

function isAdmissionEvent(event: CanonicalEvent): event is EventOf<AdmissionEventKind> {
  return admissionKinds.has(event.kind);
}

/**
 * Folds one referral's events together with the admissions linked to it. An active (not cancelled) admission makes
 * the referral "admitted"; cancelling that admission (ADT A11) returns the referral to where it stood before.
 */
export function deriveReferral(
  events: readonly EventOf<ReferralEventKind>[],
  admissions: readonly AdmissionState[],
  /** The admit events of those admissions: their facts take their place in time among the referral's own. */
  admitEvents: readonly EventOf<'admission.admitted'>[] = [],
): ReferralState | undefined {
  const first = [...events].sort(compareEvents)[0];
  if (!first) return undefined;
  const sorted = [...events, ...admitEvents].sort(compareEvents);
  const state: ReferralState = {
    referralKey: first.referralKey,
    patientHash: first.patientHash,
    status: 'received',
    facts: {},
    history: [],
    lastEventAt: first.occurredAt,
  };
  const move = (status: ReferralStatus, at: string, eventId: string) => {
    if (state.status !== status || state.history.length === 0) state.history.push({ status, at, eventId });
    state.status = status;
  };
  for (const event of sorted) {
    if (event.kind !== 'admission.admitted') {
      state.lastEventAt = later(state.lastEventAt, event.occurredAt);
      state.patientHash = event.patientHash;
    }
    switch (event.kind) {
      case 'referral.received':
        state.facts = mergeFacts(state.facts, event.facts);
        if (state.history.length === 0) move('received', event.occurredAt, event.eventId);
        break;
      case 'referral.updated':
        state.facts = mergeFacts(state.facts, event.facts);
        if (state.history.length === 0) move('received', event.occurredAt, event.eventId);
        break;
      case 'referral.accepted':
        move('accepted', event.occurredAt, event.eventId);
        break;
      case 'soc.scheduled':
        state.scheduledSocDate = event.scheduledSocDate;
        move('soc_scheduled', event.occurredAt, event.eventId);
        break;
      case 'referral.non_admitted':
        state.nonAdmitReason = event.reason;
        move('non_admitted', event.occurredAt, event.eventId);
        break;
      case 'referral.cancelled':
        state.cancelledBy = event.cancelledBy;
        move('cancelled', event.occurredAt, event.eventId);
        break;
      case 'admission.admitted':
        // Facts only: whether the referral is admitted depends on the admission's state, below.
        state.facts = mergeFacts(state.facts, event.facts);
        break;
    }
  }

  // The admission decides "admitted" from the moment it started; the earliest live one counts.
  const live = admissions
    .filter((a) => a.status !== 'cancelled' && a.socDate !== undefined)
    .sort((a, b) => (a.socDate ?? '').localeCompare(b.socDate ?? '') || a.admissionKey.localeCompare(b.admissionKey));
  const admission = live[0];
  if (admission) {
    const admittedAt = admission.history.find((h) => h.status === 'active');
    move('admitted', admittedAt?.at ?? admission.lastEventAt, admittedAt?.eventId ?? admission.admissionKey);
    state.admissionKey = admission.admissionKey;
    if (admission.socDate) state.socDate = admission.socDate;
    if (admission.firstVisitAt) state.firstVisitAt = admission.firstVisitAt;
    state.lastEventAt = later(state.lastEventAt, admission.lastEventAt);
  }
  return state;
}

/**
 * The referral an admission came from when the EHR did not say: the same patient's latest referral received on or
 * before the start of care, not cancelled. Returns undefined when none fits; the admission then stands alone until
 * its referral arrives (the next derivation links it).
 */
export function chooseReferralForAdmission(
  admission: Pick<AdmissionState, 'patientHash' | 'socDate'>,
  referrals: ReadonlyArray<Pick<ReferralState, 'referralKey' | 'patientHash' | 'facts' | 'history' | 'status'>>,
): string | undefined {
  if (!admission.socDate) return undefined;
  // socDate is a date in the agency's zone; its end, read in UTC and widened by 14 hours, covers every US zone.
  const socEnd = Date.parse(`${admission.socDate}T23:59:59Z`) + 14 * 3_600_000;
  const candidates = referrals
    .filter((r) => r.patientHash === admission.patientHash)
    .map((r) => ({ referral: r, received: Date.parse(r.facts.receivedAt ?? r.history[0]?.at ?? '') }))
    .filter(({ referral, received }) => !Number.isNaN(received) && received <= socEnd && referral.status !== 'cancelled')
    .sort((a, b) => b.received - a.received || a.referral.referralKey.localeCompare(b.referral.referralKey));
  return candidates[0]?.referral.referralKey;
}

/**
 * Derives every referral and admission that a group of events describes (the events of one or more patients).
 * Admissions that name their referral are linked to it; the others are linked by patient and time.
 */
export function deriveCases(events: readonly CanonicalEvent[]): { referrals: ReferralState[]; admissions: AdmissionState[] } {
  const admissionEvents = new Map<string, EventOf<AdmissionEventKind>[]>();
  const referralEvents = new Map<string, EventOf<ReferralEventKind>[]>();
  for (const event of events) {
    if (isAdmissionEvent(event)) {
      const list = admissionEvents.get(event.admissionKey) ?? [];
      list.push(event);
      admissionEvents.set(event.admissionKey, list);
    } else {
      const list = referralEvents.get(event.referralKey) ?? [];
      list.push(event);
      referralEvents.set(event.referralKey, list);
    }
  }

  const admissions = [...admissionEvents.values()]
    .map((list) => deriveAdmission(list))
    .filter((a): a is AdmissionState => a !== undefined);

  // Referral state before admissions, to link admissions that do not name their referral.
  const preliminary = [...referralEvents.values()]
    .map((list) => deriveReferral(list, []))
    .filter((r): r is ReferralState => r !== undefined);
  for (const admission of admissions) {
    if (!admission.referralKey) {
      const chosen = chooseReferralForAdmission(admission, preliminary);
      if (chosen) admission.referralKey = chosen;
    }
  }

  const referrals = [...referralEvents.values()]
    .map((list) => {
      const key = list[0]?.referralKey;
      const linked = admissions.filter((a) => a.referralKey === key);
      const admits = linked.flatMap((a) =>
        (admissionEvents.get(a.admissionKey) ?? []).filter((e): e is EventOf<'admission.admitted'> => e.kind === 'admission.admitted'),
      );
      return deriveReferral(list, linked, admits);
    })
    .filter((r): r is ReferralState => r !== undefined);
  const byKey = (a: { referralKey?: string; admissionKey?: string }) => a.referralKey ?? a.admissionKey ?? '';
  return {
    referrals: referrals.sort((a, b) => byKey(a).localeCompare(byKey(b))),
    admissions: admissions.sort((a, b) => a.admissionKey.localeCompare(b.admissionKey)),
  };
}

/**
 * A referral as it may be shown outside the server (CLI listings, cards): the patient hash stays (it identifies no
 * one without the tenant's key), the five-digit service ZIP is cut to its first three digits (HIPAA Safe Harbor).
 */
export function toPublicReferral(state: ReferralState): ReferralState & { facts: { serviceZip3?: string } } {
  const { serviceZip, ...facts } = state.facts;
  return { ...state, facts: { ...facts, ...(serviceZip ? { serviceZip3: serviceZip.slice(0, 3) } : {}) } };
}

/** Hours from the referral to the first visit, to a tenth of an hour. */
export function hoursToStartOfCare(state: Pick<ReferralState, 'facts' | 'firstVisitAt'>): number | undefined {
  if (!state.facts.receivedAt || !state.firstVisitAt) return undefined;
  const hours = (Date.parse(state.firstVisitAt) - Date.parse(state.facts.receivedAt)) / 3_600_000;
  return hours >= 0 ? Math.round(hours * 10) / 10 : undefined;
}
