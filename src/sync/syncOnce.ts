import type { Tenant } from '../store/tenants';
import type { ReferralState } from '../domain/referralLifecycle';
import { associateWithLabel, batchUpsert, findByPropertyValues } from '../hubspot/api';
import type { HubSpot } from '../hubspot/client';
import { EHR_ID_PROPERTY } from '../hubspot/dataModel';
import type { DataModel } from '../hubspot/provision';
import { inTransaction, type Pool, type PoolClient } from '../store/postgres';
import { SyncStore, type RecordKind } from '../store/syncStore';
import { propertiesHash, toAdmissionProperties, toReferralProperties, type HubSpotProperties } from './records';

export interface SyncRound {
  written: number;
  unchanged: number;
  failed: number;
}

/**
 * One round of the sync: up to `batchSize` queued referrals, then admissions, each kind in one transaction and one
 * batch upsert by the EHR id (HubSpot's unique rlx_ehr_id), so a record is never created twice, whether the round
 * is repeated, crashes between HubSpot's answer and the commit, or runs in two processes at once. Records whose
 * properties hash to what was last written are not sent.
 */
/**
 * The HubSpot company of each referral's source, by the source's NPI (the company's rlx_npi property), from the
 * saved matches or one search for the NPIs not seen yet. Referrals whose source has no NPI or no company stay
 * unassociated for now (name matching and the unmatched queue come next).
 */
async function referralSources(
  client: PoolClient,
  store: SyncStore,
  hubspot: HubSpot,
  tenant: Tenant,
  referrals: ReferralState[],
): Promise<Map<string, string>> {
  const npiOf = new Map(referrals.flatMap((r) => (r.facts.referringOrganization?.npi ? [[r.referralKey, r.facts.referringOrganization.npi] as const] : [])));
  const npis = [...new Set(npiOf.values())];
  if (npis.length === 0) return new Map();
  const known = await store.sourceMatches(client, tenant.tenantId, npis);
  const unknown = npis.filter((npi) => !known.has(npi));
  if (unknown.length > 0) {
    const companies = await findByPropertyValues(hubspot, 'companies', 'rlx_npi', unknown, ['rlx_npi', 'name']);
    const found = unknown.map((npi) => {
      // Two companies with one NPI: the oldest record (lowest id) is taken, the same one every time.
      const matches = companies.filter((c) => c.properties.rlx_npi === npi).sort((a, b) => Number(a.id) - Number(b.id));
      return { npi, companyId: matches[0]?.id ?? null };
    });
    await store.saveSourceMatches(client, tenant.tenantId, found);
    for (const match of found) known.set(match.npi, match.companyId);
  }
  return new Map(
    [...npiOf.entries()].flatMap(([key, npi]) => {
      const companyId = known.get(npi);
      return companyId ? [[key, companyId] as const] : [];
    }),
  );
}

export async function syncOnce(options: {
  pool: Pool;
  hubspot: HubSpot;
  tenant: Tenant;
  model: DataModel;
  batchSize?: number;
}): Promise<SyncRound> {
  const { pool, hubspot, tenant, model } = options;
  const store = new SyncStore();
  const round: SyncRound = { written: 0, unchanged: 0, failed: 0 };
  const objectType: Record<RecordKind, string> = { referral: model.referralObjectTypeId, admission: model.admissionObjectTypeId };
  for (const kind of ['referral', 'admission'] as const) {
    await inTransaction(pool, async (client) => {
      const keys = await store.claimDue(client, tenant.tenantId, kind, options.batchSize ?? 100);
      if (keys.length === 0) return;
      const states = await store.states(client, tenant.tenantId, kind, keys);
      const referrals =
        kind === 'admission'
          ? await store.states(
              client,
              tenant.tenantId,
              'referral',
              [...states.values()].flatMap((s) => ('referralKey' in s && s.referralKey ? [s.referralKey] : [])),
            )
          : new Map<string, ReferralState>();
      const last = await store.lastWritten(client, tenant.tenantId, kind, keys);
      const sources =
        kind === 'referral' ? await referralSources(client, store, hubspot, tenant, [...states.values()] as ReferralState[]) : new Map<string, string>();
      const toSend: Array<{ key: string; properties: HubSpotProperties; hash: string; companyId?: string }> = [];
      const dismissed: string[] = [];
      for (const key of keys) {
        const state = states.get(key);
        if (!state) {
          dismissed.push(key);
          continue;
        }
        const properties =
          kind === 'referral'
            ? toReferralProperties(state as ReferralState, model, tenant.settings.timeZone)
            : toAdmissionProperties(
                state as Parameters<typeof toAdmissionProperties>[0],
                referrals.get((state as { referralKey?: string }).referralKey ?? ''),
                tenant.settings.timeZone,
              );
        // The company it is associated to is part of what was written: a source matched later sends it again.
        const companyId = sources.get(key);
        const hash = propertiesHash(companyId ? { ...properties, '@company': companyId } : properties);
        if (last.get(key)?.hash === hash) dismissed.push(key);
        else toSend.push({ key, properties, hash, ...(companyId ? { companyId } : {}) });
      }
      await store.dismiss(client, tenant.tenantId, kind, dismissed);
      round.unchanged += dismissed.length;
      if (toSend.length === 0) return;
      const outcomes = await batchUpsert(
        hubspot,
        objectType[kind],
        EHR_ID_PROPERTY,
        toSend.map(({ key, properties }) => ({ id: key, properties })),
      );
      const hashOf = new Map(toSend.map((item) => [item.key, item.hash]));
      const written: Array<{ key: string; hubspotId: string; hash: string }> = [];
      for (const outcome of outcomes) {
        if (outcome.ok) {
          written.push({ key: outcome.input.id, hubspotId: outcome.object.id, hash: hashOf.get(outcome.input.id) ?? '' });
        } else {
          round.failed += 1;
          await store.markFailed(client, tenant.tenantId, kind, outcome.input.id, `${outcome.error.category}: ${outcome.error.message}`);
        }
      }
      const companyOf = new Map(toSend.flatMap((item) => (item.companyId ? [[item.key, item.companyId] as const] : [])));
      const typeId = model.associationTypeIds.referral_to_company;
      const sourceLinks = written.flatMap((w) => {
        const companyId = companyOf.get(w.key);
        return companyId ? [{ fromId: w.hubspotId, toId: companyId }] : [];
      });
      if (kind === 'referral' && typeId !== undefined && sourceLinks.length > 0) {
        await associateWithLabel(hubspot, model.referralObjectTypeId, '0-2', typeId, sourceLinks);
      }
      await store.markWritten(client, tenant.tenantId, kind, written);
      round.written += written.length;
    });
  }
  return round;
}
