import {
  bestCandidate,
  chooseOwner,
  distinctiveWords,
  organizationIdentity,
  practitionerIdentity,
  type SourceCandidate,
  type SourceIdentity,
  type SourceObjectType,
} from '../domain/attribution';
import type { ReferralState } from '../domain/referralLifecycle';
import { batchRead, batchUpsert, findByPropertyValues, searchByName, type SimpleObject } from '../hubspot/api';
import type { HubSpot } from '../hubspot/client';
import { SOURCE_ID_PROPERTY } from '../hubspot/dataModel';
import type { PoolClient } from '../store/postgres';
import type { AttributionDecision, SourceMatch, SyncStore } from '../store/syncStore';
import type { Tenant } from '../store/tenants';
import type { OwnerDirectory } from './owners';

/** A matched record's owner is read again from HubSpot when older than this (webhooks bring changes sooner). */
const OWNER_FRESH_SECONDS = 3600;

const PROPERTIES: Record<SourceObjectType, string[]> = {
  companies: ['name', 'city', 'zip', 'rlx_npi', 'hubspot_owner_id'],
  contacts: ['firstname', 'lastname', 'city', 'zip', 'rlx_npi', 'hubspot_owner_id'],
};

export interface AttributionContext {
  client: PoolClient;
  store: SyncStore;
  hubspot: HubSpot;
  tenant: Tenant;
  owners: OwnerDirectory;
}

export interface Attributed {
  company?: { id: string; name: string; ownerId: string | null };
  contact?: { id: string; name: string; ownerId: string | null };
  decision: AttributionDecision;
}

export interface AttributionRound {
  byReferral: Map<string, Attributed>;
  /** Other referrals whose company or clinician was found to have a new owner: to be queued again. */
  ownerMoved: string[];
}

function candidateOf(objectType: SourceObjectType, record: SimpleObject): SourceCandidate {
  const p = record.properties;
  const name = objectType === 'companies' ? (p.name ?? '') : [p.firstname, p.lastname].filter(Boolean).join(' ');
  return { id: record.id, name, ...(p.city ? { city: p.city } : {}), ...(p.zip ? { zip: p.zip } : {}) };
}

function placeOf(identity: SourceIdentity): string | null {
  return identity.zip ?? identity.city ?? null;
}

/**
 * Finds the CRM record of each source: saved matches and mappings first, then by NPI (one IN search for all the new
 * NPIs), then by name and place (one search per new source, its candidates scored by src/domain/attribution.ts).
 * What stays unmatched is kept as a miss for the unmatched list, or created when the tenant asks for that.
 */
async function resolveSources(ctx: Omit<AttributionContext, 'owners'>, objectType: SourceObjectType, identities: SourceIdentity[]): Promise<Map<string, SourceMatch>> {
  const { client, store, hubspot, tenant } = ctx;
  const unique = [...new Map(identities.map((identity) => [identity.ref, identity])).values()];
  const known = await store.sourceMatches(client, tenant.tenantId, objectType, unique.map((i) => i.ref));
  const unknown = unique.filter((identity) => !known.has(identity.ref));
  if (unknown.length === 0) return known;

  const found: SourceMatch[] = [];
  const base = (identity: SourceIdentity) => ({
    objectType,
    ref: identity.ref,
    displayName: identity.displayName,
    place: placeOf(identity),
    npi: identity.npi ?? null,
    candidateId: null,
    candidateName: null,
    confidence: null,
  });

  const npis = unknown.flatMap((identity) => (identity.npi ? [identity.npi] : []));
  const byNpi = npis.length > 0 ? await findByPropertyValues(hubspot, objectType, 'rlx_npi', npis, PROPERTIES[objectType]) : [];
  const rest: SourceIdentity[] = [];
  for (const identity of unknown) {
    // Two records with one NPI: the oldest (lowest id) is taken, the same one every time.
    const record = byNpi.filter((r) => identity.npi && r.properties.rlx_npi === identity.npi).sort((a, b) => Number(a.id) - Number(b.id))[0];
    if (record) {
      found.push({
        ...base(identity),
        hubspotId: record.id,
        ownerId: record.properties.hubspot_owner_id || null,
        method: 'npi',
        reason: `NPI ${identity.npi} is on ${objectType === 'companies' ? 'company' : 'contact'} ${record.id} (${candidateOf(objectType, record).name})`,
      });
    } else {
      rest.push(identity);
    }
  }

  const threshold = tenant.settings.nameMatchThreshold;
  const misses: Array<{ identity: SourceIdentity; match: SourceMatch }> = [];
  for (const identity of rest) {
    const words = objectType === 'companies' ? distinctiveWords(identity.name) : identity.familyName ? [identity.familyName] : [];
    const records = await searchByName(hubspot, objectType, words, PROPERTIES[objectType]);
    const { match, best } = bestCandidate(identity, records.map((record) => candidateOf(objectType, record)), threshold);
    const owner = (id: string) => records.find((r) => r.id === id)?.properties.hubspot_owner_id || null;
    if (match) {
      found.push({
        ...base(identity),
        hubspotId: match.candidate.id,
        ownerId: owner(match.candidate.id),
        method: 'name',
        confidence: match.confidence,
        reason: `${match.reason} (threshold ${threshold})`,
      });
    } else {
      const npiText = identity.npi ? `no record has NPI ${identity.npi}; ` : '';
      misses.push({
        identity,
        match: {
          ...base(identity),
          hubspotId: null,
          ownerId: null,
          method: 'none',
          confidence: best?.confidence ?? null,
          candidateId: best?.candidate.id ?? null,
          candidateName: best?.candidate.name ?? null,
          reason: best
            ? `${npiText}best candidate below the threshold ${threshold}: ${best.reason}`
            : `${npiText}no ${objectType === 'companies' ? 'company' : 'contact'} by that name`,
        },
      });
    }
  }

  if (misses.length > 0 && tenant.settings.unmatchedSources === 'create') {
    // Created by upsert on the source reference (a unique property): a round repeated after a crash finds the
    // record it created instead of creating another.
    const outcomes = await batchUpsert(
      hubspot,
      objectType,
      SOURCE_ID_PROPERTY,
      misses.map(({ identity }) => ({ id: identity.ref, properties: newRecordProperties(identity) })),
    );
    for (const { identity, match } of misses) {
      const outcome = outcomes.find((o) => o.input.id === identity.ref);
      if (outcome?.ok) {
        found.push({ ...match, hubspotId: outcome.object.id, method: 'created', reason: `created for this unmatched source (${match.reason})` });
      } else {
        found.push({ ...match, reason: `could not be created: ${outcome && !outcome.ok ? outcome.error.message : 'no answer'} (${match.reason})` });
      }
    }
  } else {
    found.push(...misses.map(({ match }) => match));
  }

  await store.saveSourceMatches(client, tenant.tenantId, found);
  for (const match of found) known.set(match.ref, match);
  return known;
}

function newRecordProperties(identity: SourceIdentity): Record<string, string> {
  const properties: Record<string, string | undefined> =
    identity.objectType === 'companies'
      ? { name: identity.name }
      : { lastname: identity.familyName ?? identity.name, firstname: identity.givenName };
  Object.assign(properties, { city: identity.city, zip: identity.zip, rlx_npi: identity.npi });
  return Object.fromEntries(Object.entries(properties).flatMap(([key, value]) => (value ? [[key, value]] : [])));
}

/** Reads again the owners of matched records not read for an hour; returns the referrals whose owner moved. */
async function refreshOwners(ctx: AttributionContext, objectType: SourceObjectType, matches: readonly SourceMatch[]): Promise<string[]> {
  const ids = [...new Set(matches.flatMap((m) => (m.hubspotId ? [m.hubspotId] : [])))];
  const stale = await ctx.store.staleOwners(ctx.client, ctx.tenant.tenantId, objectType, ids, OWNER_FRESH_SECONDS);
  if (stale.length === 0) return [];
  const records = await batchRead(ctx.hubspot, objectType, stale, ['hubspot_owner_id']);
  const owners = records.map((r) => ({ hubspotId: r.id, ownerId: r.properties.hubspot_owner_id || null }));
  const moved = await ctx.store.saveOwners(ctx.client, ctx.tenant.tenantId, objectType, owners);
  for (const match of matches) {
    const owner = owners.find((o) => o.hubspotId === match.hubspotId);
    if (owner) match.ownerId = owner.ownerId;
  }
  return moved;
}

/** The referring organization and clinician a referral names, as source identities. */
function sourcesOf(state: ReferralState): { organization?: SourceIdentity; practitioner?: SourceIdentity } {
  const { referringOrganization: org, referringPractitioner: person } = state.facts;
  return { ...(org ? { organization: organizationIdentity(org) } : {}), ...(person ? { practitioner: practitionerIdentity(person) } : {}) };
}

/**
 * Looks up the CRM records of many referrals' sources at once, ahead of the rounds that write the referrals (the
 * backfill): one IN search per 100 new NPIs of each object type for the whole set, where round by round each round
 * meeting a source not seen before spends a search of its own. The matches are saved as the rounds would save them,
 * so the rounds find them known.
 */
export async function resolveSourcesAhead(ctx: Omit<AttributionContext, 'owners'>, chunks: AsyncIterable<ReferralState[]>): Promise<void> {
  const organizations = new Map<string, SourceIdentity>();
  const practitioners = new Map<string, SourceIdentity>();
  for await (const states of chunks) {
    for (const state of states) {
      const { organization, practitioner } = sourcesOf(state);
      if (organization) organizations.set(organization.ref, organization);
      if (practitioner) practitioners.set(practitioner.ref, practitioner);
    }
  }
  await resolveSources(ctx, 'companies', [...organizations.values()]);
  await resolveSources(ctx, 'contacts', [...practitioners.values()]);
}

/**
 * The company, clinician and owner of each referral, with the reasons, saved as the referrals' attribution
 * decisions in the caller's transaction.
 */
export async function attributeReferrals(ctx: AttributionContext, states: ReferralState[]): Promise<AttributionRound> {
  const organizations = new Map(states.map((s) => [s.referralKey, sourcesOf(s).organization]));
  const practitioners = new Map(states.map((s) => [s.referralKey, sourcesOf(s).practitioner]));
  const companies = await resolveSources(ctx, 'companies', [...organizations.values()].flatMap((i) => (i ? [i] : [])));
  const contacts = await resolveSources(ctx, 'contacts', [...practitioners.values()].flatMap((i) => (i ? [i] : [])));
  const ownerMoved = [
    ...(await refreshOwners(ctx, 'companies', [...companies.values()])),
    ...(await refreshOwners(ctx, 'contacts', [...contacts.values()])),
  ];
  const owners = await ctx.owners.resolve(ctx.tenant.settings);

  const byReferral = new Map<string, Attributed>();
  for (const state of states) {
    const org = organizations.get(state.referralKey);
    const person = practitioners.get(state.referralKey);
    const companyMatch = org ? companies.get(org.ref) : undefined;
    const contactMatch = person ? contacts.get(person.ref) : undefined;
    const company = companyMatch?.hubspotId ? { id: companyMatch.hubspotId, name: companyMatch.displayName, ownerId: companyMatch.ownerId } : undefined;
    const contact = contactMatch?.hubspotId ? { id: contactMatch.hubspotId, name: contactMatch.displayName, ownerId: contactMatch.ownerId } : undefined;
    const owner = chooseOwner({
      ...(state.facts.marketerId ? { marketerId: state.facts.marketerId } : {}),
      marketerOwners: owners.marketerOwners,
      unresolvedMarketers: owners.unresolvedMarketers,
      ...(company ? { company } : {}),
      ...(contact ? { contact } : {}),
      defaultOwnerId: owners.defaultOwnerId,
    });
    byReferral.set(state.referralKey, {
      ...(company ? { company } : {}),
      ...(contact ? { contact } : {}),
      decision: {
        referralKey: state.referralKey,
        companyRef: org?.ref ?? null,
        companyId: company?.id ?? null,
        companyReason: org ? (companyMatch?.reason ?? 'not looked up') : 'the EHR names no referring organization',
        contactRef: person?.ref ?? null,
        contactId: contact?.id ?? null,
        contactReason: person ? (contactMatch?.reason ?? 'not looked up') : 'the EHR names no referring clinician',
        ownerId: owner.ownerId,
        ownerMethod: owner.method,
        ownerReason: owner.reason,
      },
    });
  }
  await ctx.store.saveDecisions(ctx.client, ctx.tenant.tenantId, [...byReferral.values()].map((a) => a.decision));
  return { byReferral, ownerMoved: ownerMoved.filter((key) => !byReferral.has(key)) };
}
