import type { AdmissionState, ReferralState } from '../domain/referralLifecycle';
import { associateWithLabel, batchUpsert, findByPropertyValues } from '../hubspot/api';
import type { HubSpot } from '../hubspot/client';
import { EHR_ID_PROPERTY } from '../hubspot/dataModel';
import type { DataModel } from '../hubspot/provision';
import { inTransaction, type Pool, type PoolClient } from '../store/postgres';
import { SyncStore, type NpiObjectType, type RecordKind } from '../store/syncStore';
import type { Tenant } from '../store/tenants';
import { propertiesHash, toAdmissionProperties, toReferralProperties, type HubSpotProperties } from './records';

export interface SyncRound {
  written: number;
  unchanged: number;
  failed: number;
}

/** An association a record should have: to which object, and under which label (association type id). */
interface Link {
  toObjectType: string;
  toId: string;
  typeId: number;
}

interface Planned {
  key: string;
  properties: HubSpotProperties;
  links: Link[];
  hash: string;
}

/**
 * Finds HubSpot records by NPI (companies' and contacts' rlx_npi property): from the saved matches, or one search
 * for the NPIs not seen yet. A miss is kept an hour before the portal is asked again.
 */
async function matchNpis(
  client: PoolClient,
  store: SyncStore,
  hubspot: HubSpot,
  tenant: Tenant,
  objectType: NpiObjectType,
  npis: string[],
): Promise<Map<string, string | null>> {
  const unique = [...new Set(npis)];
  if (unique.length === 0) return new Map();
  const known = await store.npiMatches(client, tenant.tenantId, objectType, unique);
  const unknown = unique.filter((npi) => !known.has(npi));
  if (unknown.length > 0) {
    const records = await findByPropertyValues(hubspot, objectType, 'rlx_npi', unknown);
    const found = unknown.map((npi) => {
      // Two records with one NPI: the oldest (lowest id) is taken, the same one every time.
      const matches = records.filter((r) => r.properties.rlx_npi === npi).sort((a, b) => Number(a.id) - Number(b.id));
      return { npi, hubspotId: matches[0]?.id ?? null };
    });
    await store.saveNpiMatches(client, tenant.tenantId, objectType, found);
    for (const match of found) known.set(match.npi, match.hubspotId);
  }
  return known;
}

/**
 * One round of the sync: up to `batchSize` queued referrals, then admissions, each kind in one transaction and one
 * batch upsert by the EHR id (HubSpot's unique rlx_ehr_id), so a record is never created twice, whether the round
 * is repeated, crashes between HubSpot's answer and the commit, or runs in two processes at once. Records whose
 * properties and associations hash to what was last written are not sent.
 *
 * Associations: a referral to its source company ("Referral source") and referring clinician ("Referring
 * clinician"), found by NPI; an admission to its referral ("Admitted from referral") and the referral's source.
 * Name matching, the unmatched queue and owners come next.
 */
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
  const label = (key: string): number | undefined => model.associationTypeIds[key];

  const planReferrals = async (client: PoolClient, states: ReferralState[]): Promise<Planned[]> => {
    const companies = await matchNpis(client, store, hubspot, tenant, 'companies', states.flatMap((s) => s.facts.referringOrganization?.npi ?? []));
    const contacts = await matchNpis(client, store, hubspot, tenant, 'contacts', states.flatMap((s) => s.facts.referringPractitioner?.npi ?? []));
    return states.map((state) => {
      const links: Link[] = [];
      const company = companies.get(state.facts.referringOrganization?.npi ?? '');
      const contact = contacts.get(state.facts.referringPractitioner?.npi ?? '');
      const sourceType = label('referral_to_company');
      const clinicianType = label('referral_to_contact');
      if (company && sourceType !== undefined) links.push({ toObjectType: '0-2', toId: company, typeId: sourceType });
      if (contact && clinicianType !== undefined) links.push({ toObjectType: '0-1', toId: contact, typeId: clinicianType });
      return planned(state.referralKey, toReferralProperties(state, model, tenant.settings.timeZone), links);
    });
  };

  const planAdmissions = async (client: PoolClient, states: AdmissionState[]): Promise<Planned[]> => {
    const referralKeys = states.flatMap((s) => (s.referralKey ? [s.referralKey] : []));
    const referrals = await store.states(client, tenant.tenantId, 'referral', referralKeys);
    const referralIds = await store.lastWritten(client, tenant.tenantId, 'referral', referralKeys);
    const companies = await matchNpis(
      client,
      store,
      hubspot,
      tenant,
      'companies',
      [...referrals.values()].flatMap((r) => r.facts.referringOrganization?.npi ?? []),
    );
    return states.map((state) => {
      const referral = state.referralKey ? referrals.get(state.referralKey) : undefined;
      const links: Link[] = [];
      const referralId = state.referralKey ? referralIds.get(state.referralKey)?.hubspotId : undefined;
      const company = companies.get(referral?.facts.referringOrganization?.npi ?? '');
      const toReferral = label('admission_to_referral');
      const toCompany = label('admission_to_company');
      if (referralId && toReferral !== undefined) links.push({ toObjectType: model.referralObjectTypeId, toId: referralId, typeId: toReferral });
      if (company && toCompany !== undefined) links.push({ toObjectType: '0-2', toId: company, typeId: toCompany });
      return planned(state.admissionKey, toAdmissionProperties(state, referral, tenant.settings.timeZone), links);
    });
  };

  for (const kind of ['referral', 'admission'] as const) {
    await inTransaction(pool, async (client) => {
      const keys = await store.claimDue(client, tenant.tenantId, kind, options.batchSize ?? 100);
      if (keys.length === 0) return;
      const states = await store.states(client, tenant.tenantId, kind, keys);
      const gone = keys.filter((key) => !states.has(key));
      const plans =
        kind === 'referral'
          ? await planReferrals(client, [...states.values()] as ReferralState[])
          : await planAdmissions(client, [...states.values()] as AdmissionState[]);
      const last = await store.lastWritten(client, tenant.tenantId, kind, keys);
      const unchanged = plans.filter((plan) => last.get(plan.key)?.hash === plan.hash).map((plan) => plan.key);
      const toSend = plans.filter((plan) => last.get(plan.key)?.hash !== plan.hash);
      await store.dismiss(client, tenant.tenantId, kind, [...gone, ...unchanged]);
      round.unchanged += gone.length + unchanged.length;
      if (toSend.length === 0) return;

      const outcomes = await batchUpsert(
        hubspot,
        objectType[kind],
        EHR_ID_PROPERTY,
        toSend.map(({ key, properties }) => ({ id: key, properties })),
      );
      const plan = new Map(toSend.map((item) => [item.key, item]));
      const written: Array<{ key: string; hubspotId: string; hash: string }> = [];
      const links = new Map<string, { toObjectType: string; typeId: number; pairs: Array<{ fromId: string; toId: string }> }>();
      for (const outcome of outcomes) {
        const item = plan.get(outcome.input.id);
        if (!outcome.ok || !item) {
          round.failed += 1;
          const reason = outcome.ok ? 'no plan for this record' : `${outcome.error.category}: ${outcome.error.message}`;
          await store.markFailed(client, tenant.tenantId, kind, outcome.input.id, reason);
          continue;
        }
        written.push({ key: item.key, hubspotId: outcome.object.id, hash: item.hash });
        for (const link of item.links) {
          const group = `${link.toObjectType}:${link.typeId}`;
          const entry = links.get(group) ?? { toObjectType: link.toObjectType, typeId: link.typeId, pairs: [] };
          entry.pairs.push({ fromId: outcome.object.id, toId: link.toId });
          links.set(group, entry);
        }
      }
      // Creating an association that exists changes nothing in HubSpot: a repeated round is safe.
      for (const { toObjectType, typeId, pairs } of links.values()) {
        await associateWithLabel(hubspot, objectType[kind], toObjectType, typeId, pairs);
      }
      await store.markWritten(client, tenant.tenantId, kind, written);
      round.written += written.length;
    });
  }
  return round;
}

/** The associations are part of what was written: a source matched later, or a new source, sends the record again. */
function planned(key: string, properties: HubSpotProperties, links: Link[]): Planned {
  const linkText = links.map((l) => `${l.toObjectType}/${l.toId}/${l.typeId}`).sort().join(',');
  return { key, properties, links, hash: propertiesHash(linkText ? { ...properties, '@links': linkText } : properties) };
}
