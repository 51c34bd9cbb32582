import { z } from 'zod';

/**
 * The parts of FHIR R4 resources (http://hl7.org/fhir/R4/) that referral management reads, as forgiving zod schemas:
 * an element of the wrong shape reads as absent, and a list keeps the items that have the right shape. So a
 * malformed element the adapter merely consults never costs the whole message; the mappers decide which absences are
 * fatal (a ServiceRequest without a patient) and say so. Everything else in a resource is ignored.
 */

/** A FHIR string as read here: trimmed, non-empty, bounded. */
const text = z.string().trim().min(1).max(10_000);

function optional<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

function list<T extends z.ZodType>(item: T) {
  return z
    .unknown()
    .optional()
    .transform((value): Array<z.output<T>> =>
      Array.isArray(value)
        ? value.flatMap((entry) => {
            const parsed = item.safeParse(entry);
            return parsed.success ? [parsed.data] : [];
          })
        : [],
    );
}

/** http://hl7.org/fhir/R4/datatypes.html#id */
export const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/);

export const coding = z.object({ system: optional(text), code: optional(text), display: optional(text) });
export const codeableConcept = z.object({ coding: list(coding), text: optional(text) });
export const period = z.object({ start: optional(text), end: optional(text) });
export const identifier = z.object({
  use: optional(text),
  type: optional(codeableConcept),
  system: optional(text),
  value: optional(text),
  period: optional(period),
});
export const reference = z.object({
  reference: optional(text),
  type: optional(text),
  identifier: optional(identifier),
  display: optional(text),
});
export const humanName = z.object({
  use: optional(text),
  family: optional(text),
  given: list(text),
  suffix: list(text),
  period: optional(period),
});
export const address = z.object({
  use: optional(text),
  line: list(text),
  city: optional(text),
  state: optional(text),
  postalCode: optional(text),
  period: optional(period),
});

/** Any resource's identifiers, for conditional and logical references. */
export const identified = z.object({ identifier: list(identifier) });

export type Coding = z.output<typeof coding>;
export type CodeableConcept = z.output<typeof codeableConcept>;
export type Identifier = z.output<typeof identifier>;
export type Reference = z.output<typeof reference>;
export type Period = z.output<typeof period>;
export type HumanName = z.output<typeof humanName>;
export type Address = z.output<typeof address>;

const resourceBase = {
  id: optional(fhirId),
  meta: optional(z.object({ versionId: optional(text), lastUpdated: optional(text) })),
};

export const serviceRequest = z.object({
  ...resourceBase,
  resourceType: z.literal('ServiceRequest'),
  identifier: list(identifier),
  status: optional(text),
  intent: optional(text),
  category: list(codeableConcept),
  code: optional(codeableConcept),
  subject: optional(reference),
  encounter: optional(reference),
  requester: optional(reference),
  insurance: list(reference),
  authoredOn: optional(text),
  occurrenceDateTime: optional(text),
});

export const patient = z.object({
  ...resourceBase,
  resourceType: z.literal('Patient'),
  identifier: list(identifier),
  address: list(address),
});

export const practitioner = z.object({
  ...resourceBase,
  resourceType: z.literal('Practitioner'),
  identifier: list(identifier),
  name: list(humanName),
  address: list(address),
});

export const practitionerRole = z.object({
  ...resourceBase,
  resourceType: z.literal('PractitionerRole'),
  practitioner: optional(reference),
  organization: optional(reference),
});

export const organization = z.object({
  ...resourceBase,
  resourceType: z.literal('Organization'),
  identifier: list(identifier),
  name: optional(text),
  type: list(codeableConcept),
  address: list(address),
});

export const location = z.object({
  ...resourceBase,
  resourceType: z.literal('Location'),
  managingOrganization: optional(reference),
});

export const coverage = z.object({
  ...resourceBase,
  resourceType: z.literal('Coverage'),
  status: optional(text),
  type: optional(codeableConcept),
  beneficiary: optional(reference),
  payor: list(reference),
  order: optional(z.number().int()),
});

export const task = z.object({
  ...resourceBase,
  resourceType: z.literal('Task'),
  status: optional(text),
  statusReason: optional(codeableConcept),
  focus: optional(reference),
  basedOn: list(reference),
  for: optional(reference),
  authoredOn: optional(text),
  lastModified: optional(text),
});

export const episodeOfCare = z.object({
  ...resourceBase,
  resourceType: z.literal('EpisodeOfCare'),
  identifier: list(identifier),
  status: optional(text),
  type: list(codeableConcept),
  patient: optional(reference),
  period: optional(period),
  referralRequest: list(reference),
});

export const encounter = z.object({
  ...resourceBase,
  resourceType: z.literal('Encounter'),
  identifier: list(identifier),
  status: optional(text),
  class: optional(coding),
  type: list(codeableConcept),
  serviceType: optional(codeableConcept),
  subject: optional(reference),
  period: optional(period),
  basedOn: list(reference),
  episodeOfCare: list(reference),
  serviceProvider: optional(reference),
  location: list(z.object({ location: optional(reference) })),
});

/** The resources the adapter reads, by resourceType. */
export const readable = {
  ServiceRequest: serviceRequest,
  Patient: patient,
  Practitioner: practitioner,
  PractitionerRole: practitionerRole,
  Organization: organization,
  Location: location,
  Coverage: coverage,
  Task: task,
  EpisodeOfCare: episodeOfCare,
  Encounter: encounter,
} as const;

export type ReadableType = keyof typeof readable;
export type ResourceOf<K extends ReadableType> = z.output<(typeof readable)[K]>;
