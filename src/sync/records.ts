import crypto from 'node:crypto';
import { DateTime } from 'luxon';
import { hoursToStartOfCare, type AdmissionState, type ReferralState } from '../domain/referralLifecycle';
import { listedNonAdmitReason, type NonAdmitVocabulary } from '../domain/nonAdmitReasons';
import { referralName } from '../domain/plainWords';
import { timelyInitiation } from '../domain/timelyInitiation';
import { businessLines } from '../domain/vocabulary';
import { EHR_ID_PROPERTY } from '../hubspot/dataModel';
import type { DataModel } from '../hubspot/provision';

/**
 * What HubSpot gets for a referral or an admission: the sales team's view and nothing more (DESIGN.md, minimum
 * necessary). No patient name, birth date, MRN, member id, diagnosis, note or ZIP code: a referral is named by its
 * date, source and business line. Pure: the same state always gives the same properties and the same hash, so an
 * unchanged record is never sent twice.
 */
export type HubSpotProperties = Record<string, string>;

const lineLabel = (value: string | undefined) => businessLines.find((line) => line.value === value)?.label ?? 'Unspecified';

function dateIn(timeZone: string, instant: string | undefined): string | undefined {
  return instant ? (DateTime.fromISO(instant, { setZone: true }).setZone(timeZone).toISODate() ?? undefined) : undefined;
}

/** PDGM admission source: institutional when an inpatient discharge falls in the 14 days before the start of care. */
export function admissionSource(state: Pick<ReferralState, 'facts' | 'socDate'>): 'institutional' | 'community' | undefined {
  if (!state.socDate) return undefined;
  const discharge = state.facts.inpatientDischargeDate;
  if (!discharge) return 'community';
  const days = (Date.parse(`${state.socDate}T00:00:00Z`) - Date.parse(`${discharge}T00:00:00Z`)) / 86_400_000;
  return days >= 0 && days <= 14 ? 'institutional' : 'community';
}

/** Every property is sent, empty when unknown, so a value withdrawn in the EHR is withdrawn in HubSpot too. */
function complete(properties: Record<string, string | number | undefined>): HubSpotProperties {
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, value === undefined ? '' : String(value)]));
}

/** The referral's name in HubSpot and on the cards: its referral date (else the local day it arrived), source and line. */
export function referralNameOf(state: Pick<ReferralState, 'facts' | 'history'>, timeZone: string): string {
  const { facts } = state;
  return referralName(facts.referralDate ?? dateIn(timeZone, facts.receivedAt ?? state.history[0]?.at), facts.referringOrganization?.name, facts.businessLine);
}

/**
 * The Referral record's properties. Its non-admit reason is one of the tenant's list, which provisioning gives
 * rlx_non_admit_reason as options before the list is saved; a reason the list lacks is written as "other", so HubSpot
 * never refuses the record over an option it does not have.
 */
export function toReferralProperties(state: ReferralState, model: DataModel, timeZone: string, nonAdmitReasons: NonAdmitVocabulary): HubSpotProperties {
  const { facts } = state;
  return complete({
    [EHR_ID_PROPERTY]: state.referralKey,
    rlx_referral_name: referralNameOf(state, timeZone),
    rlx_status: state.status,
    rlx_business_line: facts.businessLine,
    rlx_received_at: facts.receivedAt ? new Date(facts.receivedAt).toISOString() : undefined,
    rlx_referral_date: facts.referralDate,
    rlx_ordered_soc_date: facts.physicianOrderedSocDate,
    rlx_soc_date: state.socDate,
    rlx_non_admit_reason: state.status === 'non_admitted' && state.nonAdmitReason ? listedNonAdmitReason(nonAdmitReasons, state.nonAdmitReason) : undefined,
    rlx_payer_category: facts.payerCategory,
    rlx_hours_to_soc: hoursToStartOfCare(state),
    rlx_timely_initiation: timelyInitiation(state, timeZone),
    rlx_admission_source: admissionSource(state),
    rlx_branch: facts.branch,
    hs_pipeline: model.referralPipelineId,
    hs_pipeline_stage: model.referralStageIds[state.status],
  });
}

export function toAdmissionProperties(
  state: AdmissionState,
  referral: ReferralState | undefined,
  timeZone: string,
): HubSpotProperties {
  const source = referral?.facts.referringOrganization?.name ?? 'Unknown source';
  const line = referral?.facts.businessLine ?? state.facts.businessLine;
  return complete({
    [EHR_ID_PROPERTY]: state.admissionKey,
    rlx_admission_name: `Admission ${state.socDate ?? dateIn(timeZone, state.history[0]?.at) ?? 'undated'} · ${source} · ${lineLabel(line)}`,
    rlx_status: state.status,
    rlx_business_line: line,
    rlx_soc_date: state.socDate,
    rlx_discharge_date: state.dischargeDate,
    rlx_payer_category: referral?.facts.payerCategory ?? state.facts.payerCategory,
    rlx_election_date: state.electionDate,
    rlx_noe_accepted_date: state.noeAcceptedDate,
  });
}

/** A stable hash of what is sent: keys sorted, so the same properties always hash the same. */
export function propertiesHash(properties: HubSpotProperties): string {
  const sorted = Object.keys(properties)
    .sort()
    .map((key) => [key, properties[key]]);
  return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
