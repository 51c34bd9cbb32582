import { isValidNpi, type ReferralFacts } from '../../domain/events';
import type { Address, HumanName, Identifier, Reference } from './elements';
import type { Scope } from './emit';
import { labelOf, read, referencedType, Refusal, resolve, type Located } from './message';
import { payerCategoryOfCoverageType } from './payer';
import { identifierTypeCodes, isCurrentIdentifier, NPI_SYSTEM, wordsOf } from './terminology';

/** The people and organizations around a referral: the patient (as a hash), the referral source, the payer. */

type ReferringOrganization = NonNullable<ReferralFacts['referringOrganization']>;
type ReferringPractitioner = NonNullable<ReferralFacts['referringPractitioner']>;
type EventAddress = NonNullable<ReferringOrganization['address']>;

export interface PatientLink {
  located: Located;
  patientHash: string;
  serviceZip?: string;
}

/**
 * The identifier a patient is linked by: the medical record number (v2-0203 MR) when there is one, else the first;
 * current identifiers before old or ended ones.
 */
function patientIdentifier(identifiers: readonly Identifier[]): (Identifier & { value: string }) | undefined {
  const withValue = identifiers.filter((id): id is Identifier & { value: string } => id.value !== undefined);
  const current = withValue.filter(isCurrentIdentifier);
  const isMrn = (id: Identifier) => identifierTypeCodes(id).includes('MR');
  return current.find(isMrn) ?? withValue.find(isMrn) ?? current[0] ?? withValue[0];
}

const isCurrent = (a: { use?: string | undefined; period?: { end?: string | undefined } | undefined }) =>
  a.use !== 'old' && a.period?.end === undefined;

/**
 * The 5-digit ZIP of where care would be given, to check the service area: the current home address (not an old or
 * billing one, not one whose period has ended), else the first current address.
 */
function serviceZipOf(addresses: readonly Address[]): string | undefined {
  const current = addresses.filter((a) => isCurrent(a) && a.use !== 'billing');
  const chosen = current.find((a) => a.use === 'home') ?? current[0];
  return chosen?.postalCode ? /^(\d{5})(?:-?\d{4})?$/.exec(chosen.postalCode)?.[1] : undefined;
}

/**
 * The patient a resource is about, linked by a keyed hash of its identifier (patientHash.ts): without it no event can
 * be stored, so a missing or unresolvable patient refuses the message. `element` names the reference ("subject").
 */
export function linkPatient(scope: Scope, ref: Reference | undefined, from: Located, element: string): PatientLink {
  const where = `${labelOf(from)}: ${element}`;
  if (!ref) throw new Refusal(`${where} is missing, so the patient cannot be linked`, from.position);
  const found = resolve(scope.message, ref, from, ['Patient']);
  if (!found) throw new Refusal(`${where} refers to a Patient that is not in the message, so the patient cannot be linked`, from.position);
  if (found.resourceType !== 'Patient') throw new Refusal(`${where} refers to a ${found.resourceType}, not a Patient`, from.position);
  const patient = read(found, 'Patient');
  const id = patientIdentifier(patient.identifier);
  if (!id) throw new Refusal(`${where}: the Patient has no identifier to link the patient by`, found.position);
  const serviceZip = serviceZipOf(patient.address);
  return {
    located: found,
    patientHash: scope.ctx.hashPatient({ value: id.value, ...(id.system ? { assigner: id.system } : {}) }),
    ...(serviceZip ? { serviceZip } : {}),
  };
}

/** The NPI among identifiers (system http://hl7.org/fhir/sid/us-npi), only when its check digit is right. */
function npiOf(identifiers: readonly Identifier[]): string | undefined {
  return identifiers.find((id) => id.system === NPI_SYSTEM && id.value !== undefined && isValidNpi(id.value))?.value;
}

function toAddress(addresses: readonly Address[], preferredUse: string): EventAddress | undefined {
  const current = addresses.filter(isCurrent);
  const chosen = current.find((a) => a.use === preferredUse) ?? current[0];
  if (!chosen) return undefined;
  const address = {
    ...(chosen.line[0] ? { line1: chosen.line[0] } : {}),
    ...(chosen.city ? { city: chosen.city } : {}),
    ...(chosen.state ? { state: chosen.state } : {}),
    ...(chosen.postalCode ? { zip: chosen.postalCode } : {}),
  };
  return Object.keys(address).length > 0 ? address : undefined;
}

/** The name to show: the official one, else the usual one, else the first that has not ended. */
function chooseName(names: readonly HumanName[]): HumanName | undefined {
  const current = names.filter((n) => n.use !== 'old' && n.period?.end === undefined);
  return current.find((n) => n.use === 'official') ?? current.find((n) => n.use === 'usual') ?? current[0] ?? names[0];
}

export function toReferringPractitioner(located: Located): ReferringPractitioner | undefined {
  const practitioner = read(located, 'Practitioner');
  const name = chooseName(practitioner.name);
  if (!name?.family) return undefined;
  const npi = npiOf(practitioner.identifier);
  const address = toAddress(practitioner.address, 'work');
  return {
    familyName: name.family,
    ...(name.given.length > 0 ? { givenName: name.given.join(' ') } : {}),
    ...(name.suffix.length > 0 ? { suffix: name.suffix.join(', ') } : {}),
    ...(npi ? { npi } : {}),
    ...(located.id ? { ehrId: located.id } : {}),
    ...(address ? { address } : {}),
  };
}

/** Organization.type words or codes (v3 RoleCode HOSP, SNF) that say what kind of referral source it is. */
function organizationKind(located: Located): ReferringOrganization['kind'] {
  const types = read(located, 'Organization').type;
  const codes = types.flatMap((t) => t.coding.map((c) => c.code?.toUpperCase()));
  const words = wordsOf(types);
  if (codes.includes('HOSP') || /\bhospital\b/i.test(words)) return 'hospital';
  if (codes.includes('SNF') || /\bskilled nursing\b/i.test(words)) return 'snf';
  if (/\bassisted living\b/i.test(words)) return 'alf';
  return undefined;
}

export function toReferringOrganization(located: Located): ReferringOrganization | undefined {
  const organization = read(located, 'Organization');
  if (!organization.name) return undefined;
  const npi = npiOf(organization.identifier);
  const address = toAddress(organization.address, 'work');
  const kind = organizationKind(located);
  return {
    name: organization.name,
    ...(npi ? { npi } : {}),
    ...(located.id ? { ehrId: located.id } : {}),
    ...(kind ? { kind } : {}),
    ...(address ? { address } : {}),
  };
}

/**
 * The organization responsible for the encounter a referral was written in: Encounter.serviceProvider, else the
 * managing organization of its first location that names one.
 */
function encounterOrganization(scope: Scope, encounterRef: Reference | undefined, from: Located): Located | undefined {
  const found = resolve(scope.message, encounterRef, from, ['Encounter']);
  if (found?.resourceType !== 'Encounter') return undefined;
  const encounter = read(found, 'Encounter');
  const provider = resolve(scope.message, encounter.serviceProvider, found, ['Organization']);
  if (provider?.resourceType === 'Organization') return provider;
  for (const { location } of encounter.location) {
    const place = resolve(scope.message, location, found, ['Location']);
    if (place?.resourceType !== 'Location') continue;
    const manager = resolve(scope.message, read(place, 'Location').managingOrganization, place, ['Organization']);
    if (manager?.resourceType === 'Organization') return manager;
  }
  return undefined;
}

/**
 * The referral source of a ServiceRequest, from its requester: a Practitioner; a PractitionerRole (its practitioner
 * and organization); an Organization. Without an organization from the requester, the one responsible for the
 * encounter the referral was written in. A requester outside the message is not fatal: the referral arrives without
 * its source (an Organization reference's display still names it).
 */
export function referralSourceOf(
  scope: Scope,
  from: Located,
  requesterRef: Reference | undefined,
  encounterRef: Reference | undefined,
): Pick<ReferralFacts, 'referringPractitioner' | 'referringOrganization'> {
  let practitioner: ReferringPractitioner | undefined;
  let organization: ReferringOrganization | undefined;
  const requester = resolve(scope.message, requesterRef, from, ['Practitioner', 'PractitionerRole', 'Organization']);
  if (requester?.resourceType === 'Practitioner') practitioner = toReferringPractitioner(requester);
  if (requester?.resourceType === 'Organization') organization = toReferringOrganization(requester);
  if (requester?.resourceType === 'PractitionerRole') {
    const role = read(requester, 'PractitionerRole');
    const person = resolve(scope.message, role.practitioner, requester, ['Practitioner']);
    if (person?.resourceType === 'Practitioner') practitioner = toReferringPractitioner(person);
    const employer = resolve(scope.message, role.organization, requester, ['Organization']);
    if (employer?.resourceType === 'Organization') organization = toReferringOrganization(employer);
  }
  if (!requester && requesterRef?.display && referencedType(requesterRef) === 'Organization') {
    organization = { name: requesterRef.display };
  }
  if (!organization) {
    const fromEncounter = encounterOrganization(scope, encounterRef, from);
    if (fromEncounter) organization = toReferringOrganization(fromEncounter);
  }
  return {
    ...(practitioner ? { referringPractitioner: practitioner } : {}),
    ...(organization ? { referringOrganization: organization } : {}),
  };
}

const inactiveCoverage = new Set(['cancelled', 'entered-in-error']);

/**
 * Who pays: the first active Coverage the ServiceRequest names in insurance; when it names none, the patient's
 * active Coverage in the message with the lowest order (a referral bundle carries the patient's coverage beside the
 * request, as the HL7 v2 converters make IN1 a Coverage of the patient). The category comes from Coverage.type
 * (payer.ts); the name from the payor Organization. A payor that is the patient or a related person is self-pay.
 */
export function payerOf(
  scope: Scope,
  from: Located,
  insurance: readonly Reference[],
  patient: Located,
): Pick<ReferralFacts, 'payerCategory' | 'payerName'> {
  const named = insurance.map((ref) => resolve(scope.message, ref, from, ['Coverage'])).filter((c): c is Located => c?.resourceType === 'Coverage');
  const order = (c: Located) => read(c, 'Coverage').order ?? Number.MAX_SAFE_INTEGER;
  const candidates =
    named.length > 0
      ? named
      : scope.message.entries
          .filter((e) => e.resourceType === 'Coverage' && resolve(scope.message, read(e, 'Coverage').beneficiary, e, ['Patient']) === patient)
          .sort((a, b) => order(a) - order(b));
  const chosen = candidates.find((c) => !inactiveCoverage.has(read(c, 'Coverage').status ?? ''));
  if (!chosen) return {};
  const coverage = read(chosen, 'Coverage');
  const payorRef = coverage.payor[0];
  const payor = resolve(scope.message, payorRef, chosen, ['Organization', 'Patient', 'RelatedPerson']);
  const payorType = payor?.resourceType ?? (payorRef ? referencedType(payorRef) : undefined);
  const selfPay = payorType === 'Patient' || payorType === 'RelatedPerson';
  // A display is taken only when the reference says it names an Organization: a person's display is a name.
  const payerName = payor?.resourceType === 'Organization' ? read(payor, 'Organization').name : !payor && payorType === 'Organization' ? payorRef?.display : undefined;
  const payerCategory = payerCategoryOfCoverageType(coverage.type) ?? (selfPay ? 'self_pay' : undefined);
  return { ...(payerCategory ? { payerCategory } : {}), ...(payerName ? { payerName } : {}) };
}
