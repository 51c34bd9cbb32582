import { DateTime } from 'luxon';
import { type Clock, systemClock } from '../clock';
import type { TenantId } from '../config/tenantSettings';
import { batchRead, batchUpdate, findCreatedWithout, readAssociations, type RecordAssociation } from '../hubspot/api';
import type { HubSpot } from '../hubspot/client';
import { EHR_ID_PROPERTY } from '../hubspot/dataModel';
import type { DataModel } from '../hubspot/provision';
import { HandEnteredStore, type HandEnteredReferral } from '../store/handEnteredStore';
import { HubSpotWebhookStore } from '../store/hubspotWebhookStore';
import type { PoolClient } from '../store/postgres';
import type { Tenant } from '../store/tenants';

/**
 * Referrals created by hand in HubSpot (intake takes a referral by phone before the EHR has it), reconciled with the
 * EHR referral when it arrives, so the portal shows one Referral record, not two.
 *
 * The matching rule (README.md, "Referrals entered by hand in HubSpot"): an unclaimed hand-entered Referral record
 * with the same source company and the same received date (in the agency's time zone) as an EHR referral never
 * written to HubSpot, and the same business line when both have one, is adopted: its rlx_ehr_id is set to the EHR
 * referral's key and it is marked claimed, so the sync's upsert by rlx_ehr_id updates it. A record is claimed at most
 * once, and an EHR referral adopts at most one record.
 *
 * The record is read from HubSpot here, at sync time, not by the webhook that announced it: the webhook answers fast
 * and never depends on HubSpot's API, the reads are batched (100 records a call), and a source company that intake
 * links a minute after creating the record is still seen (a record read without one is read again).
 */

/** How far back records are looked for (and kept waiting for their EHR referral). */
export const HAND_ENTERED_WINDOW_DAYS = 14;

/**
 * Without the creation webhook, HubSpot is searched for hand-entered records at most this often per tenant and
 * process: a backfill's hundreds of rounds must not spend a search call each.
 */
const FALLBACK_SEARCH_EVERY_MS = 5 * 60_000;
const lastFallbackSearch = new Map<TenantId, number>();

export interface AdoptionCandidate {
  /** The EHR referral key (the rlx_ehr_id it will carry). */
  key: string;
  /** The HubSpot company of its referral source, when matched. */
  companyId: string | null;
  /** YYYY-MM-DD in the tenant's time zone. */
  receivedDate: string;
  businessLine: string | null;
}

/** The webhook handler's part: a Referral record was created in HubSpot; it is read and matched by the next sync. */
export async function recordHandEnteredReferral(client: PoolClient, tenantId: TenantId, hubspotId: string): Promise<void> {
  await new HandEnteredStore().notice(client, tenantId, [hubspotId]);
}

/**
 * Gives hand-entered Referral records the EHR keys of the candidates they match (see the rule above), and returns
 * key -> HubSpot record id for every candidate that has a record now (adopted in this call or an earlier one).
 *
 * Call it in the sync's transaction, just before upserting referrals never written to HubSpot, with those as the
 * candidates: the claims are made with `client` and committed with the upsert. The records are set by one batch
 * update by id (100 a call) before the claims are written; if the transaction then rolls back, the next round finds
 * the records carrying their EHR id, and the upsert updates them all the same.
 *
 * Portals without the Referral creation webhook: when the tenant has never received one, HubSpot is searched (once
 * per call) for Referral records without rlx_ehr_id created in the last 14 days.
 */
export async function adoptHandEnteredReferrals(options: {
  client: PoolClient;
  hubspot: HubSpot;
  tenant: Tenant;
  model: DataModel;
  candidates: AdoptionCandidate[];
  clock?: Clock;
}): Promise<Map<string, string>> {
  const { client, hubspot, tenant, model, candidates } = options;
  const { tenantId } = tenant;
  const referralType = model.referralObjectTypeId;
  const store = new HandEnteredStore();
  if (candidates.length === 0) return new Map();
  const adopted = await store.claimedBy(client, tenantId, candidates.map((c) => c.key));
  const waiting = candidates.filter((c) => !adopted.has(c.key) && c.companyId !== null);
  if (waiting.length === 0) return adopted;

  const now = (options.clock ?? systemClock).now();
  const searchedAt = lastFallbackSearch.get(tenantId);
  if (
    (searchedAt === undefined || now - searchedAt >= FALLBACK_SEARCH_EVERY_MS) &&
    !(await new HubSpotWebhookStore().hasReceivedCreation(client, tenantId, referralType))
  ) {
    lastFallbackSearch.set(tenantId, now);
    const since = new Date(now - HAND_ENTERED_WINDOW_DAYS * 86_400_000);
    const found = await findCreatedWithout(hubspot, referralType, EHR_ID_PROPERTY, since);
    await store.notice(client, tenantId, found.map((record) => record.id));
  }
  await store.forgetSyncedRecords(client, tenantId);
  await readHandEntered(client, hubspot, tenant, model, store);

  const open = await store.openFor(
    client,
    tenantId,
    waiting.flatMap((c) => (c.companyId ? [c.companyId] : [])),
    waiting.map((c) => c.receivedDate),
  );
  const pairs = pairHandEntered(waiting, open);
  if (pairs.length === 0) return adopted;
  const outcomes = await batchUpdate(
    hubspot,
    referralType,
    pairs.map((pair) => ({ id: pair.hubspotId, properties: { [EHR_ID_PROPERTY]: pair.key } })),
  );
  // A record HubSpot refused (deleted meanwhile, or the key already on another record) stays unclaimed; its
  // candidate is created by the upsert as usual.
  const written = new Set(outcomes.filter((o) => o.ok).map((o) => o.input.id));
  const claims = pairs.filter((pair) => written.has(pair.hubspotId));
  await store.claim(client, tenantId, claims);
  for (const claim of claims) adopted.set(claim.key, claim.hubspotId);
  return adopted;
}

/**
 * Pairs candidates with open hand-entered records (oldest first, as `open` comes from the store), each record at
 * most once: same source company, same received date, and the same business line when both have one (an exact
 * business line is preferred to a record that has none).
 *
 * Several candidates of one source and day are paired in the order given (the sync's queue: first received, first
 * paired) with the records from the oldest. Which of them gets which record cannot be told from what intake typed
 * and does no harm: the record is only the place the EHR referral is written to, and the sync overwrites every
 * property it owns (name, status, dates, business line, stage) and its associations with the EHR's data, so after
 * the upsert each record shows its own EHR referral whichever way they were paired.
 */
export function pairHandEntered(
  candidates: readonly AdoptionCandidate[],
  open: readonly HandEnteredReferral[],
): Array<{ key: string; hubspotId: string }> {
  const taken = new Set<string>();
  const pairs: Array<{ key: string; hubspotId: string }> = [];
  for (const candidate of candidates) {
    if (!candidate.companyId) continue;
    const matching = open.filter(
      (record) =>
        !taken.has(record.hubspotId) &&
        record.companyId === candidate.companyId &&
        record.receivedDate === candidate.receivedDate &&
        (record.businessLine === null || candidate.businessLine === null || record.businessLine === candidate.businessLine),
    );
    const chosen =
      matching.find((record) => candidate.businessLine !== null && record.businessLine === candidate.businessLine) ?? matching[0];
    if (!chosen) continue;
    taken.add(chosen.hubspotId);
    pairs.push({ key: candidate.key, hubspotId: chosen.hubspotId });
  }
  return pairs;
}

/**
 * The day a hand-entered referral was received, in the agency's time zone: its referral date (M0104) when intake
 * gave one, else the day of its received-at time, else the day the record was created.
 */
export function receivedDateOf(
  properties: Record<string, string | null | undefined>,
  createdAt: string | undefined,
  timeZone: string,
): string | null {
  const referralDate = properties.rlx_referral_date;
  if (referralDate) {
    // A date property is a day; HubSpot may give it as YYYY-MM-DD or as midnight UTC in milliseconds.
    if (/^\d{4}-\d{2}-\d{2}$/.test(referralDate)) return referralDate;
    const midnight = instant(referralDate);
    if (midnight) return midnight.toUTC().toISODate();
  }
  for (const value of [properties.rlx_received_at, createdAt]) {
    const at = value ? instant(value) : undefined;
    if (at) return at.setZone(timeZone).toISODate();
  }
  return null;
}

function instant(value: string): DateTime | undefined {
  const at = /^\d+$/.test(value) ? DateTime.fromMillis(Number(value)) : DateTime.fromISO(value, { setZone: true });
  return at.isValid ? at : undefined;
}

/**
 * The record's referral source: the company associated with the "Referral source" label, else the only company it
 * is associated with. Several unlabelled companies tell nothing: no source, so no match.
 */
export function sourceCompanyOf(associations: readonly RecordAssociation[] | undefined, referralSourceTypeId: number | undefined): string | null {
  const all = associations ?? [];
  const labelled = all.find((a) => referralSourceTypeId !== undefined && a.typeIds.includes(referralSourceTypeId));
  if (labelled) return labelled.toId;
  return all.length === 1 ? (all[0]?.toId ?? null) : null;
}

/** Reads the records waiting to be read; drops those deleted or given an EHR id since. */
async function readHandEntered(
  client: PoolClient,
  hubspot: HubSpot,
  tenant: Tenant,
  model: DataModel,
  store: HandEnteredStore,
): Promise<void> {
  const ids = await store.toRead(client, tenant.tenantId, HAND_ENTERED_WINDOW_DAYS);
  if (ids.length === 0) return;
  const records = await batchRead(hubspot, model.referralObjectTypeId, ids, [
    EHR_ID_PROPERTY,
    'rlx_referral_date',
    'rlx_received_at',
    'rlx_business_line',
  ]);
  const handEntered = records.filter((record) => !record.properties[EHR_ID_PROPERTY]);
  const companies = await readAssociations(
    hubspot,
    model.referralObjectTypeId,
    'companies',
    handEntered.map((record) => record.id),
  );
  const keep = new Set(handEntered.map((record) => record.id));
  await store.forget(client, tenant.tenantId, ids.filter((id) => !keep.has(id)));
  await store.saveRead(
    client,
    tenant.tenantId,
    handEntered.map((record) => ({
      hubspotId: record.id,
      companyId: sourceCompanyOf(companies.get(record.id), model.associationTypeIds.referral_to_company),
      receivedDate: receivedDateOf(record.properties, record.createdAt, tenant.settings.timeZone),
      businessLine: record.properties.rlx_business_line || null,
      createdAt: record.createdAt ? new Date(record.createdAt) : null,
    })),
  );
}
