import type { ReferralFacts } from './events';

/**
 * Source attribution, the pure part: who a referral source and a referring clinician are in the CRM, and who owns the
 * referral. The sync (src/sync/attribution.ts) asks HubSpot and stores the answers; the rules are here.
 *
 * A source is matched, in this order: by NPI (the rlx_npi property of companies and contacts), by a mapping an
 * administrator stored, then by its normalised name and place with a confidence at or above the tenant's threshold.
 * The owner is the EHR marketer's mapped HubSpot owner, else the company's owner, else the clinician contact's owner,
 * else the tenant's default owner.
 */

export type SourceObjectType = 'companies' | 'contacts';

type Organization = NonNullable<ReferralFacts['referringOrganization']>;
type Practitioner = NonNullable<ReferralFacts['referringPractitioner']>;

/** How the EHR describes a source, and the reference it is remembered by. */
export interface SourceIdentity {
  objectType: SourceObjectType;
  /** npi:<npi>, else ehr:<the EHR's id>, else name:<normalised name>|<ZIP or city>. */
  ref: string;
  displayName: string;
  npi?: string;
  /** For companies, the name; for contacts, "given family". */
  name: string;
  /** Contacts: the family name, which the CRM keeps apart. */
  familyName?: string;
  givenName?: string;
  city?: string;
  zip?: string;
}

/** A CRM record offered as a match. */
export interface SourceCandidate {
  id: string;
  name: string;
  city?: string;
  zip?: string;
}

export interface ScoredCandidate {
  candidate: SourceCandidate;
  /** 0 to 1. */
  confidence: number;
  reason: string;
}

/** Words that tell nothing about which organisation it is. */
const NOISE = new Set(['the', 'of', 'and', 'at', 'inc', 'llc', 'llp', 'pc', 'pa', 'pllc', 'corp', 'co', 'ltd', 'md', 'do', 'np', 'pa-c', 'dr']);

/** Abbreviations as referral logs write them, spelled out. */
const SPELLED_OUT: Record<string, string> = {
  st: 'saint',
  ste: 'sainte',
  mt: 'mount',
  hosp: 'hospital',
  hsp: 'hospital',
  med: 'medical',
  ctr: 'center',
  cntr: 'center',
  centre: 'center',
  assoc: 'associates',
  assocs: 'associates',
  rehab: 'rehabilitation',
  snf: 'skilled nursing facility',
  alf: 'assisted living facility',
  mem: 'memorial',
  reg: 'regional',
  univ: 'university',
  fam: 'family',
  hlth: 'health',
  svcs: 'services',
  svc: 'service',
  mgmt: 'management',
  '&': 'and',
};

/** Lower case, accents and punctuation dropped, abbreviations spelled out, noise words removed. */
export function normalizeName(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/'s\b/g, 's')
    .replace(/[^a-z0-9&]+/g, ' ')
    .split(' ')
    .filter((word) => word.length > 0)
    .flatMap((word) => (SPELLED_OUT[word] ?? word).split(' '))
    .filter((word) => !NOISE.has(word));
  return words.join(' ');
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  const compact = text.replace(/ /g, '');
  for (let i = 0; i < compact.length - 1; i += 1) {
    const gram = compact.slice(i, i + 2);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/**
 * How alike two names are, 0 to 1: the Sørensen-Dice coefficient of the character pairs of their normalised words,
 * taken in sorted order so that word order does not matter ("Okafor Family Medicine" and "Family Medicine Okafor").
 */
export function nameSimilarity(a: string, b: string): number {
  const left = normalizeName(a).split(' ').sort().join(' ');
  const right = normalizeName(b).split(' ').sort().join(' ');
  if (left === right) return left.length > 0 ? 1 : 0;
  const x = bigrams(left);
  const y = bigrams(right);
  let shared = 0;
  let total = 0;
  for (const [gram, n] of x) {
    shared += Math.min(n, y.get(gram) ?? 0);
    total += n;
  }
  for (const n of y.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}

const zip5 = (zip: string | undefined) => (zip && /^\d{5}/.test(zip) ? zip.slice(0, 5) : undefined);
const sameText = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && normalizeName(a) !== '' && normalizeName(a) === normalizeName(b);

/**
 * The place weighs the name's likeness: the same ZIP confirms it (x1), the same city nearly so (x0.97), no place to
 * compare leaves a name alone (x0.8: "Family Medicine" is not enough), and a different place makes a namesake
 * elsewhere unlikely to be the one (x0.6).
 */
export const PLACE_FACTORS = { zip: 1, city: 0.97, unknown: 0.8, different: 0.6 } as const;

export function scoreCandidate(identity: SourceIdentity, candidate: SourceCandidate): ScoredCandidate {
  const similarity = nameSimilarity(identity.name, candidate.name);
  const ours = zip5(identity.zip);
  const theirs = zip5(candidate.zip);
  let place: keyof typeof PLACE_FACTORS;
  if (ours && theirs && ours === theirs) place = 'zip';
  else if (sameText(identity.city, candidate.city)) place = 'city';
  else if ((ours && theirs) || (identity.city && candidate.city)) place = 'different';
  else place = 'unknown';
  const confidence = Math.round(similarity * PLACE_FACTORS[place] * 1000) / 1000;
  const placeText = {
    zip: `same ZIP ${ours}`,
    city: `same city ${candidate.city}`,
    unknown: 'no place to compare',
    different: 'a different place',
  }[place];
  return {
    candidate,
    confidence,
    reason: `name "${identity.name}" is ${Math.round(similarity * 100)}% like "${candidate.name}", ${placeText}: confidence ${confidence.toFixed(2)}`,
  };
}

/**
 * The best candidate and whether it is good enough. Of equally good candidates (the same company twice in the CRM)
 * the oldest (lowest id) is taken, the same one every time.
 */
export function bestCandidate(
  identity: SourceIdentity,
  candidates: readonly SourceCandidate[],
  threshold: number,
): { match?: ScoredCandidate; best?: ScoredCandidate } {
  const scored = candidates
    .map((candidate) => scoreCandidate(identity, candidate))
    .sort((a, b) => b.confidence - a.confidence || Number(a.candidate.id) - Number(b.candidate.id));
  const best = scored[0];
  if (!best) return {};
  return best.confidence >= threshold ? { match: best, best } : { best };
}

/** The words most telling of a name, to ask the CRM for candidates: the longest first, common words last. */
const COMMON = new Set([
  'hospital', 'medical', 'center', 'health', 'care', 'family', 'medicine', 'internal', 'primary', 'associates',
  'regional', 'memorial', 'general', 'saint', 'services', 'clinic', 'rehabilitation', 'nursing', 'skilled', 'facility',
  'assisted', 'living', 'management', 'community', 'group', 'practice', 'physicians', 'system', 'coordination',
]);

export function distinctiveWords(name: string, count = 3): string[] {
  const words = [...new Set(normalizeName(name).split(' ').filter((w) => w.length > 1))];
  return words
    .sort((a, b) => Number(COMMON.has(a)) - Number(COMMON.has(b)) || b.length - a.length || a.localeCompare(b))
    .slice(0, count);
}

function placeOf(address: { city?: string; zip?: string } | undefined): string {
  return zip5(address?.zip) ?? (address?.city ? normalizeName(address.city) : '');
}

export function organizationIdentity(org: Organization): SourceIdentity {
  const ref = org.npi ? `npi:${org.npi}` : org.ehrId ? `ehr:${org.ehrId}` : `name:${normalizeName(org.name)}|${placeOf(org.address)}`;
  return {
    objectType: 'companies',
    ref,
    displayName: org.name,
    name: org.name,
    ...(org.npi ? { npi: org.npi } : {}),
    ...(org.address?.city ? { city: org.address.city } : {}),
    ...(org.address?.zip ? { zip: org.address.zip } : {}),
  };
}

export function practitionerIdentity(person: Practitioner): SourceIdentity {
  const name = [person.givenName, person.familyName].filter(Boolean).join(' ');
  const ref = person.npi
    ? `npi:${person.npi}`
    : person.ehrId
      ? `ehr:${person.ehrId}`
      : `name:${normalizeName(`${person.familyName} ${person.givenName ?? ''}`)}|${placeOf(person.address)}`;
  return {
    objectType: 'contacts',
    ref,
    displayName: person.suffix ? `${name}, ${person.suffix}` : name,
    name,
    familyName: person.familyName,
    ...(person.givenName ? { givenName: person.givenName } : {}),
    ...(person.npi ? { npi: person.npi } : {}),
    ...(person.address?.city ? { city: person.address.city } : {}),
    ...(person.address?.zip ? { zip: person.address.zip } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Owners

export type OwnerMethod = 'marketer' | 'company_owner' | 'contact_owner' | 'default' | 'none';

export interface OwnerDecision {
  ownerId: string | null;
  method: OwnerMethod;
  reason: string;
}

export interface OwnerInputs {
  marketerId?: string;
  /** The tenant's marketer mapping, resolved to owner ids (an entry naming no active owner is absent). */
  marketerOwners: ReadonlyMap<string, string>;
  /** Marketer ids whose mapping names someone who is not an active owner. */
  unresolvedMarketers?: ReadonlyMap<string, string>;
  company?: { id: string; name: string; ownerId?: string | null };
  contact?: { id: string; name: string; ownerId?: string | null };
  defaultOwnerId?: string | null;
}

/** The referral's owner by the attribution chain, with the reason in words a sales director reads. */
export function chooseOwner(inputs: OwnerInputs): OwnerDecision {
  const skipped: string[] = [];
  if (inputs.marketerId) {
    const owner = inputs.marketerOwners.get(inputs.marketerId);
    if (owner) {
      return { ownerId: owner, method: 'marketer', reason: `the EHR names marketer ${inputs.marketerId}, mapped to owner ${owner}` };
    }
    const unresolved = inputs.unresolvedMarketers?.get(inputs.marketerId);
    skipped.push(
      unresolved
        ? `marketer ${inputs.marketerId} is mapped to "${unresolved}", who is not an active HubSpot owner`
        : `marketer ${inputs.marketerId} is not mapped to an owner`,
    );
  } else {
    skipped.push('the EHR names no marketer');
  }
  const then = () => (skipped.length > 0 ? ` (${skipped.join('; ')})` : '');
  if (inputs.company?.ownerId) {
    return {
      ownerId: inputs.company.ownerId,
      method: 'company_owner',
      reason: `owner ${inputs.company.ownerId} owns the referral source ${inputs.company.name}${then()}`,
    };
  }
  skipped.push(inputs.company ? `the source ${inputs.company.name} has no owner` : 'no source company is matched');
  if (inputs.contact?.ownerId) {
    return {
      ownerId: inputs.contact.ownerId,
      method: 'contact_owner',
      reason: `owner ${inputs.contact.ownerId} owns the referring clinician ${inputs.contact.name}${then()}`,
    };
  }
  skipped.push(inputs.contact ? `the clinician ${inputs.contact.name} has no owner` : 'no clinician contact is matched');
  if (inputs.defaultOwnerId) {
    return { ownerId: inputs.defaultOwnerId, method: 'default', reason: `the portal's default owner${then()}` };
  }
  skipped.push('no default owner is set');
  return { ownerId: null, method: 'none', reason: `nobody: ${skipped.join('; ')}` };
}
