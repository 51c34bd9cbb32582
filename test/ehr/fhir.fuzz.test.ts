import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { canonicalEvent } from '../../src/domain/events';
import { parseFhirPayload } from '../../src/ehr/fhir';
import { createPatientHasher } from '../../src/ehr/patientHash';
import type { AdapterContext, ParseOutcome } from '../../src/ehr/types';

/**
 * Whatever a sender does to a document (drops an element, puts a number where a string goes, cuts a list short),
 * the adapter answers: events that pass the canonical schema, or a refusal with a reason. It never throws, and never
 * falls into its own failure branch (which would mean a bug rather than bad input).
 */

const fixtures = path.join(__dirname, '../fixtures/external/fhir');
const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8'));
const ctx: AdapterContext = { feed: 'fhir-fuzz', timeZone: 'America/Chicago', hashPatient: createPatientHasher(Buffer.alloc(32, 3)) };

const usCore = (name: string) => load(`us-core/${name}.json`);
const documents: unknown[] = [
  ...fs.readdirSync(fixtures).filter((name) => name.endsWith('.json')).map(load),
  ...fs.readdirSync(path.join(fixtures, 'us-core')).map((name) => load(`us-core/${name}`)),
  // The rehab referral with everything it refers to, so mutations reach a referral that maps.
  {
    resourceType: 'Bundle',
    type: 'collection',
    entry: ['servicerequest-rehab', 'patient-example', 'practitioner-1', 'encounter-example-1', 'location-hospital', 'organization-holy-healthcare', 'coverage-example', 'organization-acme-payer'].map(
      (name) => ({ resource: usCore(name) }),
    ),
  },
  // A Task, an episode and a visit, which the fixtures do not have.
  {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:6b1e0e7a-0000-4000-8000-000000000001', resource: { resourceType: 'ServiceRequest', id: 'sr1', identifier: [{ value: 'REF-1' }], status: 'active', intent: 'order', category: [{ text: 'Home health' }], subject: { reference: 'urn:uuid:6b1e0e7a-0000-4000-8000-000000000002' }, authoredOn: '2026-11-27T09:30:00-05:00', occurrenceDateTime: '2026-11-30', insurance: [{ reference: '#cov' }], contained: [{ resourceType: 'Coverage', id: 'cov', status: 'active', type: { coding: [{ system: 'https://nahdo.org/sopt', code: '111' }] }, payor: [{ display: 'Test Plan' }] }] } },
      { fullUrl: 'urn:uuid:6b1e0e7a-0000-4000-8000-000000000002', resource: { resourceType: 'Patient', id: 'p1', identifier: [{ system: 'https://agency.example/mrn', value: 'MRN-0001', type: { coding: [{ code: 'MR' }] } }], address: [{ postalCode: '60601' }] } },
      { resource: { resourceType: 'Task', id: 't1', meta: { versionId: '2', lastUpdated: '2026-11-27T16:00:00Z' }, status: 'rejected', intent: 'order', statusReason: { text: 'not homebound' }, focus: { reference: 'urn:uuid:6b1e0e7a-0000-4000-8000-000000000001' } } },
      { resource: { resourceType: 'EpisodeOfCare', id: 'e1', status: 'finished', type: [{ text: 'Hospice' }], patient: { reference: 'Patient/p1' }, period: { start: '2026-12-01', end: '2027-01-02T10:00:00Z' }, referralRequest: [{ reference: 'ServiceRequest/sr1' }] } },
      { resource: { resourceType: 'Encounter', id: 'v1', status: 'finished', class: { code: 'HH' }, subject: { reference: 'Patient/p1' }, basedOn: [{ reference: 'ServiceRequest/sr1' }], period: { start: '2026-12-01T10:00:00-06:00' } } },
    ],
  },
];

/** Resources whose elements the adapter reads: mutations aim there, and at the Bundle around them. */
const read = new Set(['ServiceRequest', 'Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Coverage', 'Task', 'EpisodeOfCare', 'Encounter']);

type Container = Record<string, unknown> | unknown[];
interface Slot {
  parent: Container;
  key: string | number;
}

/** Every slot worth mutating: the Bundle's own elements and entries, and everything inside the resources read. */
function slots(root: unknown): Slot[] {
  const found: Slot[] = [];
  const walk = (node: unknown, depth: number, inRead: boolean) => {
    if (typeof node !== 'object' || node === null) return;
    const isResource = !Array.isArray(node) && typeof (node as Record<string, unknown>).resourceType === 'string';
    const reading = inRead || (isResource && read.has(String((node as Record<string, unknown>).resourceType)));
    const children: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, child] of children) {
      if (reading || depth < 4) found.push({ parent: node as Container, key });
      walk(child, depth + 1, reading);
    }
  };
  walk(root, 0, false);
  return found;
}

const operations = ['delete', 'replace', 'retype', 'truncate'] as const;
const mutation = fc.record({ target: fc.nat(), operation: fc.constantFrom(...operations), value: fc.jsonValue({ maxDepth: 2 }) });
type Mutation = { target: number; operation: (typeof operations)[number]; value: unknown };

function retyped(value: unknown): unknown {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  if (value === null) return {};
  return [value];
}

function mutate(root: unknown, change: Mutation): unknown {
  const all = slots(root);
  if (all.length === 0) return change.value;
  const { parent, key } = all[change.target % all.length] as Slot;
  const get = () => (parent as Record<string | number, unknown>)[key];
  const set = (value: unknown) => {
    (parent as Record<string | number, unknown>)[key] = value;
  };
  switch (change.operation) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key as string];
      break;
    case 'replace':
      set(change.value);
      break;
    case 'retype':
      set(retyped(get()));
      break;
    case 'truncate': {
      const current = get();
      if (Array.isArray(current)) set(current.slice(0, Math.floor(current.length / 2)));
      else if (typeof current === 'string') set(current.slice(0, 3));
      else set(undefined);
      break;
    }
  }
  return root;
}

const patientData = ['EVERYMAN', 'PATID1234', '1961-06-15', 'Baxter', '1032702', '1987-02-20', 'MRN-0001'];

describe('mutated fixtures', () => {
  it('always map to valid events or a refusal with a reason, never an exception', () => {
    fc.assert(
      fc.property(fc.nat({ max: documents.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }), (index, changes) => {
        let document = structuredClone(documents[index]);
        for (const change of changes) document = mutate(document, change as Mutation);
        let outcome: ParseOutcome | undefined;
        expect(() => {
          outcome = parseFhirPayload(document, ctx, '2026-11-27T12:00:00Z');
        }).not.toThrow();
        if (!outcome) throw new Error('no outcome');
        expect(outcome.messageKey).toMatch(/^fhir:/);
        if (outcome.ok) {
          for (const event of outcome.events) canonicalEvent.parse(event);
        } else {
          expect(outcome.reason.trim().length).toBeGreaterThan(0);
          expect(outcome.reason).not.toMatch(/^the FHIR adapter failed/);
          for (const value of patientData) expect(outcome.reason).not.toContain(value);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('unmutated, each document parses (the fuzzing starts from working input)', () => {
    const outcomes = documents.map((document) => parseFhirPayload(document, ctx));
    // The two lone US Core ServiceRequests are refused (their Patient is not sent); everything else is accepted.
    expect(outcomes.filter((o) => !o.ok)).toHaveLength(2);
    expect(outcomes.at(-1)).toMatchObject({ ok: true, events: expect.arrayContaining([expect.objectContaining({ kind: 'referral.non_admitted', reason: 'not_homebound' })]) });
  });
});
