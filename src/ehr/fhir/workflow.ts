import type { CanonicalEvent } from '../../domain/events';
import { readFhirTime, toEpochMs } from './dates';
import type { Reference, ResourceOf } from './elements';
import { occurredAt, sha256, stampEvent, type EventDraft, type Scope } from './emit';
import { labelOf, read, referencedType, Refusal, resolve, type Located } from './message';
import { linkPatient, type PatientLink } from './parties';
import { isReferral, requireReferralKey } from './referral';
import { businessLineOf, HOME_HEALTH_CLASS, keyIdentifier, nonAdmitReasonOf } from './terminology';

/**
 * What the agency did with a referral: its Task (accepted, rejected, cancelled), the episode it opened
 * (EpisodeOfCare), or, when the EHR keeps no episode, the visits it made (Encounter).
 */

interface ReferralTarget {
  referralKey: string;
  /** The ServiceRequest itself, when it travels in the message. */
  request?: Located;
}

/**
 * The referral a reference names: the ServiceRequest in the message (only when it is a referral), else the
 * identifier the reference carries. undefined: the reference is to something that is not a referral, or (when the
 * link is optional) to a ServiceRequest outside the message that it names by id only. When the link is required,
 * that last case refuses the message: the event would not know its referral.
 */
function referralTarget(scope: Scope, ref: Reference, from: Located, element: string, required: boolean): ReferralTarget | undefined {
  const found = resolve(scope.message, ref, from, ['ServiceRequest']);
  if (found) {
    if (found.resourceType !== 'ServiceRequest' || !isReferral(read(found, 'ServiceRequest'))) return undefined;
    return { referralKey: requireReferralKey(found), request: found };
  }
  const type = referencedType(ref);
  if (type !== undefined && type !== 'ServiceRequest') return undefined;
  if (ref.identifier?.value) return { referralKey: ref.identifier.value };
  if (!required) return undefined;
  throw new Refusal(
    `${labelOf(from)}: ${element} refers to a ${type ?? 'resource'} that is not in the message, so the referral it is about cannot be named (send the ServiceRequest with it)`,
    from.position,
  );
}

/** The patient of a Task: Task.for, else the subject of the ServiceRequest it is about. */
function taskPatient(scope: Scope, located: Located, task: ResourceOf<'Task'>, target: ReferralTarget): PatientLink {
  if (task.for) return linkPatient(scope, task.for, located, 'for');
  if (target.request) return linkPatient(scope, read(target.request, 'ServiceRequest').subject, target.request, 'subject');
  throw new Refusal(`${labelOf(located)}: for is missing and its ServiceRequest is not in the message, so the patient cannot be linked`, located.position);
}

/** Task.status (http://hl7.org/fhir/R4/valueset-task-status.html) to the referral event it means. */
const taskKinds: Record<string, 'referral.accepted' | 'referral.non_admitted' | 'referral.cancelled'> = {
  accepted: 'referral.accepted',
  rejected: 'referral.non_admitted',
  cancelled: 'referral.cancelled',
};

/**
 * The agency's Task on a referral (focus, else basedOn, a ServiceRequest): accepted; rejected, with the non-admit
 * reason read from statusReason; cancelled, by whom not said (the placer cancels and the filler rejects by
 * convention, but agency EHRs cancel their own tasks too). Other statuses are work in progress.
 */
export function mapTask(scope: Scope, located: Located): EventDraft[] {
  const task = read(located, 'Task');
  const kind = task.status ? taskKinds[task.status] : undefined;
  if (!kind) return [];
  const candidates: Array<[Reference | undefined, string]> = [[task.focus, 'focus'], ...task.basedOn.map((ref, i): [Reference, string] => [ref, `basedOn[${i}]`])];
  let target: ReferralTarget | undefined;
  for (const [ref, element] of candidates) {
    target = ref ? referralTarget(scope, ref, located, element, true) : undefined;
    if (target) break;
  }
  if (!target) return [];
  const patient = taskPatient(scope, located, task, target);
  const base = {
    referralKey: target.referralKey,
    patientHash: patient.patientHash,
    occurredAt: occurredAt(scope, located, [task.meta?.lastUpdated, task.lastModified, task.authoredOn]),
  };
  if (kind === 'referral.accepted') return [{ ...base, kind }];
  if (kind === 'referral.non_admitted') return [{ ...base, kind, reason: nonAdmitReasonOf(task.statusReason, scope.ctx.nonAdmitReasons) }];
  return [{ ...base, kind, cancelledBy: 'unknown' }];
}

/** Encounter statuses of a visit that took place or is taking place. */
const visitStatuses = new Set(['in-progress', 'finished']);

/** The key of an admission: its identifier (not one that identifies the person), else the resource. */
function admissionKeyOf(located: Located, identifiers: ResourceOf<'EpisodeOfCare'>['identifier']): string {
  const chosen = keyIdentifier(identifiers);
  if (chosen?.value) return chosen.value;
  if (located.id) return `${located.resourceType}/${located.id}`;
  if (located.fullUrl && located.fullUrl.length <= 200) return located.fullUrl;
  throw new Refusal(`${labelOf(located)}: has no identifier, id or fullUrl to key the admission by`, located.position);
}

/** The earliest start of the visits in the message that belong to an episode: when the first visit happened. */
function firstVisitOf(scope: Scope, episode: Located): string | undefined {
  const starts = scope.message.entries
    .filter((e) => e.resourceType === 'Encounter')
    .filter((e) => {
      const visit = read(e, 'Encounter');
      return visit.status !== undefined && visitStatuses.has(visit.status) && visit.episodeOfCare.some((ref) => resolve(scope.message, ref, e, ['EpisodeOfCare']) === episode);
    })
    .flatMap((e) => {
      const start = readFhirTime(read(e, 'Encounter').period?.start, scope.ctx.timeZone);
      return start?.kind === 'instant' ? [start.instant] : [];
    })
    .sort((a, b) => toEpochMs(a) - toEpochMs(b));
  return starts[0];
}

/**
 * An EpisodeOfCare is the agency's admission when its type names home health, hospice or palliative care, or it
 * names the referral it came from (referralRequest). An episode with neither, like the hospital's own episode in an
 * ADT bundle, is not the agency's and is ignored. active/onhold: admitted, period.start being the start of care
 * (OASIS M0030); finished: admitted and discharged on period.end (R4 episodes carry no discharge reason: "other");
 * cancelled or entered in error: the admission is cancelled.
 */
export function mapEpisodeOfCare(scope: Scope, located: Located): EventDraft[] {
  const episode = read(located, 'EpisodeOfCare');
  const businessLine = businessLineOf(episode.type);
  const referralRef = episode.referralRequest[0];
  const status = episode.status;
  if ((!businessLine && !referralRef) || !status) return [];
  const admitted = status === 'active' || status === 'onhold' || status === 'finished';
  const cancelled = status === 'cancelled' || status === 'entered-in-error';
  if (!admitted && !cancelled) return [];
  const label = labelOf(located);
  const admissionKey = admissionKeyOf(located, episode.identifier);
  const patient = linkPatient(scope, episode.patient, located, 'patient');
  if (cancelled) {
    return [{ kind: 'admission.cancelled', admissionKey, patientHash: patient.patientHash, occurredAt: occurredAt(scope, located, [episode.meta?.lastUpdated]) }];
  }
  const zone = scope.ctx.timeZone;
  const start = readFhirTime(episode.period?.start, zone);
  if (!start) throw new Refusal(`${label}: period.start (the start of care) is missing or not a date`, located.position);
  // Not knowing the referral is not fatal here: the store links an admission to the patient's referral by time.
  const referral = referralRef ? referralTarget(scope, referralRef, located, 'referralRequest[0]', false) : undefined;
  const firstVisitAt = firstVisitOf(scope, located);
  const events: EventDraft[] = [
    {
      kind: 'admission.admitted',
      admissionKey,
      patientHash: patient.patientHash,
      occurredAt: occurredAt(scope, located, [episode.meta?.lastUpdated, episode.period?.start]),
      socDate: start.date,
      ...(referral ? { referralKey: referral.referralKey } : {}),
      ...(firstVisitAt ? { firstVisitAt } : {}),
      ...(businessLine ? { facts: { businessLine } } : {}),
    },
  ];
  if (status === 'finished') {
    const end = readFhirTime(episode.period?.end, zone);
    if (!end) throw new Refusal(`${label}: status is finished but period.end (the discharge date) is missing or not a date`, located.position);
    events.push({
      kind: 'admission.discharged',
      admissionKey,
      patientHash: patient.patientHash,
      occurredAt: occurredAt(scope, located, [episode.meta?.lastUpdated, episode.period?.end]),
      dischargeDate: end.date,
      reason: 'other',
    });
  }
  return events;
}

/**
 * Admissions read from visits, for EHRs that keep no EpisodeOfCare. A visit counts when it is the agency's (Encounter
 * class HH, home health, or a type or service type naming home health, hospice or palliative care), took place
 * (in-progress or finished), belongs to no episode (an episode is the admission; its visits only give the first visit
 * time), and is basedOn the referral. Every later visit names the same referral, so the admission is keyed by the
 * referral ("referral:<key>"), its start of care is the earliest visit of the message, and its event id does not
 * depend on the visit: the first admission the store takes is kept, and later visits repeat it.
 *
 * Inpatient or ambulatory Encounters (the hospital's, in converted ADT bundles) are not the agency's visits: their
 * dates are never a start of care. An inpatient discharge is read only from the Encounter a referral names
 * (referral.ts, M1005).
 */
export function mapVisits(scope: Scope): CanonicalEvent[] {
  const earliest = new Map<string, { located: Located; draft: EventDraft; at: number }>();
  for (const located of scope.message.entries.filter((e) => e.resourceType === 'Encounter')) {
    const visit = read(located, 'Encounter');
    if (!visit.status || !visitStatuses.has(visit.status) || visit.episodeOfCare.length > 0) continue;
    // Class HH is a visit at home; its type or service type says which line (a hospice nurse's visit is HH too).
    const businessLine = businessLineOf([...visit.type, visit.serviceType]) ?? (visit.class?.code === HOME_HEALTH_CLASS ? 'home_health' : undefined);
    if (!businessLine) continue;
    let referral: ReferralTarget | undefined;
    for (const [i, ref] of visit.basedOn.entries()) {
      referral = referralTarget(scope, ref, located, `basedOn[${i}]`, true);
      if (referral) break;
    }
    if (!referral) continue;
    const start = readFhirTime(visit.period?.start, scope.ctx.timeZone);
    if (!start) throw new Refusal(`${labelOf(located)}: period.start (when the visit began) is missing or not a date`, located.position);
    const patient = linkPatient(scope, visit.subject, located, 'subject');
    const key = `referral:${referral.referralKey}`;
    const admissionKey = key.length <= 200 ? key : `referral:${sha256(referral.referralKey)}`;
    const at = start.kind === 'instant' ? toEpochMs(start.instant) : toEpochMs(`${start.date}T00:00:00Z`);
    const current = earliest.get(admissionKey);
    if (current && current.at <= at) continue;
    earliest.set(admissionKey, {
      located,
      at,
      draft: {
        kind: 'admission.admitted',
        admissionKey,
        referralKey: referral.referralKey,
        patientHash: patient.patientHash,
        occurredAt: occurredAt(scope, located, [visit.meta?.lastUpdated, visit.period?.start]),
        socDate: start.date,
        ...(start.kind === 'instant' ? { firstVisitAt: start.instant } : {}),
        facts: { businessLine },
      },
    });
  }
  return [...earliest].map(([admissionKey, { located, draft }]) => stampEvent(scope, located, draft, `admission/${admissionKey}`));
}
