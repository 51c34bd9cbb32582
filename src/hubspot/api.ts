import { z } from 'zod';
import type { HubSpot } from './client';
import { TASK_KEY_PROPERTY } from './dataModel';
import { HubSpotApiError } from './errors';

/**
 * Every HubSpot path the product uses lives in this file, so the move from the v1-v3 paths to HubSpot's
 * date-versioned API (v1-v3 unsupported from September 2027) is local. Answers are validated with zod; unknown keys
 * are kept (HubSpot adds fields over time).
 */

const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------------------------------
// Account and token: https://developers.hubspot.com/docs/api-reference/account-account-information-v3/guide
// https://developers.hubspot.com/docs/apps/legacy-apps/private-apps/overview (access-token-info)

export const accountDetailsSchema = z
  .object({ portalId: z.number(), timeZone: z.string().optional(), uiDomain: z.string().optional() })
  .loose();

export function getAccountDetails(hubspot: HubSpot) {
  return hubspot.request({ method: 'GET', path: '/account-info/v3/details' }, accountDetailsSchema);
}

export const tokenInfoSchema = z
  .object({ hubId: z.number(), appId: z.number().optional(), userId: z.number().optional(), scopes: z.array(z.string()) })
  .loose();

export function getAccessTokenInfo(hubspot: HubSpot, accessToken: string) {
  return hubspot.request(
    { method: 'POST', path: '/oauth/v2/private-apps/get/access-token-info', body: { tokenKey: accessToken } },
    tokenInfoSchema,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Properties and groups: https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide

export const propertyOptionSchema = z
  .object({ label: z.string(), value: z.string(), displayOrder: z.number().optional(), hidden: z.boolean().optional() })
  .loose();

export const propertySchema = z
  .object({
    name: z.string(),
    label: z.string(),
    type: z.string(),
    fieldType: z.string(),
    groupName: z.string().optional(),
    description: z.string().optional(),
    options: z.array(propertyOptionSchema).optional(),
    hasUniqueValue: z.boolean().optional(),
    hubspotDefined: z.boolean().optional(),
    archived: z.boolean().optional(),
  })
  .loose();

export type HubSpotProperty = z.infer<typeof propertySchema>;
export type PropertyOption = z.infer<typeof propertyOptionSchema>;

/** What we send to create a property (a subset of HubSpot's PropertyCreate). */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: 'text' | 'textarea' | 'number' | 'date' | 'select' | 'radio' | 'checkbox' | 'booleancheckbox' | 'calculation_equation';
  groupName?: string;
  description?: string;
  options?: PropertyOption[];
  hasUniqueValue?: boolean;
  formField?: boolean;
  numberDisplayHint?: 'unformatted' | 'formatted' | 'currency' | 'percentage' | 'duration' | 'probability';
  /** With referencedObjectType 'OWNER': a "HubSpot user" property, its options the portal's owners. */
  externalOptions?: boolean;
  referencedObjectType?: 'OWNER';
}

const resultsOf = <S extends z.ZodType>(item: S) => z.object({ results: z.array(item) }).loose();

export async function listProperties(hubspot: HubSpot, objectType: string): Promise<HubSpotProperty[]> {
  const page = await hubspot.request(
    { method: 'GET', path: `/crm/v3/properties/${enc(objectType)}` },
    resultsOf(propertySchema),
  );
  return page.results;
}

export function createProperty(hubspot: HubSpot, objectType: string, property: PropertyDefinition) {
  return hubspot.request({ method: 'POST', path: `/crm/v3/properties/${enc(objectType)}`, body: property }, propertySchema);
}

/** Creates properties 100 per call (POST .../batch/create). */
export async function createProperties(hubspot: HubSpot, objectType: string, properties: readonly PropertyDefinition[]) {
  const created: HubSpotProperty[] = [];
  for (const part of chunk(properties)) {
    const answer = await hubspot.request(
      { method: 'POST', path: `/crm/v3/properties/${enc(objectType)}/batch/create`, body: { inputs: part } },
      resultsOf(propertySchema),
    );
    created.push(...answer.results);
  }
  return created;
}

export function updateProperty(
  hubspot: HubSpot,
  objectType: string,
  name: string,
  changes: Partial<Omit<PropertyDefinition, 'name' | 'hasUniqueValue'>>,
) {
  return hubspot.request(
    { method: 'PATCH', path: `/crm/v3/properties/${enc(objectType)}/${enc(name)}`, body: changes },
    propertySchema,
  );
}

export const propertyGroupSchema = z
  .object({ name: z.string(), label: z.string(), displayOrder: z.number().optional(), archived: z.boolean().optional() })
  .loose();

export async function listPropertyGroups(hubspot: HubSpot, objectType: string) {
  const page = await hubspot.request(
    { method: 'GET', path: `/crm/v3/properties/${enc(objectType)}/groups` },
    resultsOf(propertyGroupSchema),
  );
  return page.results;
}

export function createPropertyGroup(hubspot: HubSpot, objectType: string, group: { name: string; label: string; displayOrder?: number }) {
  return hubspot.request(
    { method: 'POST', path: `/crm/v3/properties/${enc(objectType)}/groups`, body: group },
    propertyGroupSchema,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Custom object schemas: https://developers.hubspot.com/docs/api-reference/crm-schemas-v3/guide

export const objectSchemaSchema = z
  .object({
    id: z.string().optional(),
    objectTypeId: z.string(),
    name: z.string(),
    fullyQualifiedName: z.string().optional(),
    labels: z.object({ singular: z.string().optional(), plural: z.string().optional() }).loose().optional(),
    primaryDisplayProperty: z.string().optional(),
    secondaryDisplayProperties: z.array(z.string()).optional(),
    searchableProperties: z.array(z.string()).optional(),
    requiredProperties: z.array(z.string()).optional(),
    properties: z.array(propertySchema).optional(),
    associations: z
      .array(
        z
          .object({
            id: z.string(),
            fromObjectTypeId: z.string(),
            toObjectTypeId: z.string(),
            name: z.string().optional(),
          })
          .loose(),
      )
      .optional(),
    archived: z.boolean().optional(),
  })
  .loose();

export type HubSpotObjectSchema = z.infer<typeof objectSchemaSchema>;

export interface ObjectSchemaDefinition {
  name: string;
  labels: { singular: string; plural: string };
  description?: string;
  primaryDisplayProperty: string;
  secondaryDisplayProperties: string[];
  searchableProperties: string[];
  requiredProperties: string[];
  properties: PropertyDefinition[];
  associatedObjects: string[];
}

export async function listObjectSchemas(hubspot: HubSpot): Promise<HubSpotObjectSchema[]> {
  const page = await hubspot.request({ method: 'GET', path: '/crm-object-schemas/v3/schemas' }, resultsOf(objectSchemaSchema));
  return page.results;
}

export function createObjectSchema(hubspot: HubSpot, definition: ObjectSchemaDefinition) {
  return hubspot.request({ method: 'POST', path: '/crm-object-schemas/v3/schemas', body: definition }, objectSchemaSchema);
}

export function updateObjectSchema(
  hubspot: HubSpot,
  objectTypeId: string,
  changes: Partial<Pick<ObjectSchemaDefinition, 'secondaryDisplayProperties' | 'searchableProperties' | 'requiredProperties' | 'primaryDisplayProperty'>>,
) {
  return hubspot.request(
    { method: 'PATCH', path: `/crm-object-schemas/v3/schemas/${enc(objectTypeId)}`, body: changes },
    objectSchemaSchema,
  );
}

export function createSchemaAssociation(hubspot: HubSpot, fromObjectTypeId: string, toObjectTypeId: string, name: string) {
  return hubspot.request(
    {
      method: 'POST',
      path: `/crm-object-schemas/v3/schemas/${enc(fromObjectTypeId)}/associations`,
      body: { fromObjectTypeId, toObjectTypeId, name },
    },
    z.object({ id: z.string() }).loose(),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Pipelines: https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide

export const pipelineStageSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    displayOrder: z.number(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    archived: z.boolean().optional(),
  })
  .loose();

export const pipelineSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    displayOrder: z.number().optional(),
    stages: z.array(pipelineStageSchema),
    archived: z.boolean().optional(),
  })
  .loose();

export type HubSpotPipeline = z.infer<typeof pipelineSchema>;

export async function listPipelines(hubspot: HubSpot, objectType: string): Promise<HubSpotPipeline[]> {
  const page = await hubspot.request({ method: 'GET', path: `/crm/v3/pipelines/${enc(objectType)}` }, resultsOf(pipelineSchema));
  return page.results;
}

export interface PipelineStageDefinition {
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
}

export function createPipeline(
  hubspot: HubSpot,
  objectType: string,
  pipeline: { label: string; displayOrder: number; stages: PipelineStageDefinition[] },
) {
  return hubspot.request({ method: 'POST', path: `/crm/v3/pipelines/${enc(objectType)}`, body: pipeline }, pipelineSchema);
}

export function createPipelineStage(hubspot: HubSpot, objectType: string, pipelineId: string, stage: PipelineStageDefinition) {
  return hubspot.request(
    { method: 'POST', path: `/crm/v3/pipelines/${enc(objectType)}/${enc(pipelineId)}/stages`, body: stage },
    pipelineStageSchema,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Association labels (v4): https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide

export const associationLabelSchema = z
  .object({ category: z.string(), typeId: z.number(), label: z.string().nullable().optional() })
  .loose();

export type AssociationLabel = z.infer<typeof associationLabelSchema>;

export async function listAssociationLabels(hubspot: HubSpot, fromObjectType: string, toObjectType: string) {
  const page = await hubspot.request(
    { method: 'GET', path: `/crm/v4/associations/${enc(fromObjectType)}/${enc(toObjectType)}/labels` },
    resultsOf(associationLabelSchema),
  );
  return page.results;
}

export async function createAssociationLabel(
  hubspot: HubSpot,
  fromObjectType: string,
  toObjectType: string,
  label: { label: string; name: string },
) {
  const page = await hubspot.request(
    { method: 'POST', path: `/crm/v4/associations/${enc(fromObjectType)}/${enc(toObjectType)}/labels`, body: label },
    resultsOf(associationLabelSchema),
  );
  return page.results;
}

// ---------------------------------------------------------------------------------------------------------------
// Owners: https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide (active owners; archived ones are
// left out unless asked for)

export const ownerSchema = z
  .object({
    id: z.string(),
    email: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    userId: z.number().nullable().optional(),
    archived: z.boolean().optional(),
  })
  .loose();

export type HubSpotOwner = z.infer<typeof ownerSchema>;

/** The portal's active owners, all pages. */
export async function listOwners(hubspot: HubSpot): Promise<HubSpotOwner[]> {
  const owners: HubSpotOwner[] = [];
  let after: string | undefined;
  do {
    const page = await hubspot.request(
      { method: 'GET', path: '/crm/v3/owners', qs: { limit: 100, ...(after ? { after } : {}) } },
      z
        .object({
          results: z.array(ownerSchema),
          paging: z.object({ next: z.object({ after: z.string() }).loose().optional() }).loose().optional(),
        })
        .loose(),
    );
    owners.push(...page.results);
    after = page.paging?.next?.after;
  } while (after);
  return owners;
}

// ---------------------------------------------------------------------------------------------------------------
// Objects, batch: https://developers.hubspot.com/docs/api-reference/crm-objects-v3/guide (batch endpoints take at
// most 100 inputs; partial failures answer 207 with per-item errors)

export const BATCH_LIMIT = 100;

export const simpleObjectSchema = z
  .object({
    id: z.string(),
    properties: z.record(z.string(), z.string().nullable()),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    archived: z.boolean().optional(),
    new: z.boolean().optional(),
    objectWriteTraceId: z.string().optional(),
  })
  .loose();

export type SimpleObject = z.infer<typeof simpleObjectSchema>;

export const batchErrorSchema = z
  .object({
    status: z.string().optional(),
    category: z.string().optional(),
    message: z.string(),
    context: z.record(z.string(), z.array(z.string())).optional(),
  })
  .loose();

export type BatchItemError = z.infer<typeof batchErrorSchema>;

const batchResponseSchema = z
  .object({ status: z.string().optional(), results: z.array(simpleObjectSchema), errors: z.array(batchErrorSchema).optional() })
  .loose();

export interface UpsertInput {
  /** The value of the unique id property (e.g. the EHR referral id). */
  id: string;
  properties: Record<string, string | number | boolean | null>;
}

export type ItemOutcome<T> =
  | { input: T; ok: true; object: SimpleObject }
  | { input: T; ok: false; error: { category: string; message: string } };

/** Splits inputs into batches of at most `size`. */
export function chunk<T>(items: readonly T[], size = BATCH_LIMIT): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Upserts records by a unique property, 100 per call, and says for each input whether it was written.
 * HubSpot rejects duplicate ids inside one batch, so the last write for an id wins before sending.
 * A whole-batch rejection (400) marks every item of that batch failed; auth, scope and daily-limit errors stop it all.
 * https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/upsert-records
 */
export async function batchUpsert(
  hubspot: HubSpot,
  objectType: string,
  idProperty: string,
  inputs: readonly UpsertInput[],
): Promise<ItemOutcome<UpsertInput>[]> {
  // An update's answer need not repeat the id property; the trace id we sent identifies the input.
  return writeInBatches(
    hubspot,
    `/crm/v3/objects/${enc(objectType)}/batch/upsert`,
    inputs,
    (input) => ({ id: input.id, idProperty, properties: wireProperties(input.properties) }),
    (input) => input.id,
    (o) => o.objectWriteTraceId ?? o.properties[idProperty] ?? undefined,
  );
}

/**
 * Updates records by their HubSpot id, 100 per call, and says for each input whether it was written (an id that no
 * longer exists fails alone). `id` of each input is the record id.
 * https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/update-records
 */
export async function batchUpdate(
  hubspot: HubSpot,
  objectType: string,
  inputs: readonly UpsertInput[],
): Promise<ItemOutcome<UpsertInput>[]> {
  return writeInBatches(
    hubspot,
    `/crm/v3/objects/${enc(objectType)}/batch/update`,
    inputs,
    (input) => ({ id: input.id, properties: wireProperties(input.properties) }),
    (input) => input.id,
    (o) => o.objectWriteTraceId ?? o.id,
  );
}

/** Property values as HubSpot takes them: strings, "" to clear. */
function wireProperties(properties: UpsertInput['properties']): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/**
 * The batch write that create, upsert and update are: each input sent with an objectWriteTraceId (its key), so that
 * HubSpot writes the valid ones and answers 207 with an error per failed input, tagged with its trace id; without,
 * one bad input fails the whole batch (https://developers.hubspot.com/docs/api-reference/error-handling, "Multi-status
 * errors"). HubSpot rejects duplicate ids inside one batch and trace ids must be unique, so the last input for a key
 * wins before sending. A whole-batch rejection (a 4xx) marks every item of that batch failed and the other batches go
 * on; auth, scope and daily-limit errors stop it all.
 */
async function writeInBatches<T>(
  hubspot: HubSpot,
  path: string,
  inputs: readonly T[],
  toWire: (input: T) => Record<string, unknown>,
  keyOfInput: (input: T) => string,
  keyOf: (object: SimpleObject) => string | undefined,
): Promise<ItemOutcome<T>[]> {
  const outcomes: ItemOutcome<T>[] = [];
  const latest = [...new Map(inputs.map((input) => [keyOfInput(input), input])).values()];
  for (const part of chunk(latest)) {
    const body = { inputs: part.map((input) => ({ ...toWire(input), objectWriteTraceId: keyOfInput(input) })) };
    try {
      const { body: answer } = await hubspot.send({ method: 'POST', path, body }, batchResponseSchema);
      outcomes.push(...matchOutcomes(part, keyOfInput, answer.results, answer.errors ?? [], keyOf));
    } catch (error) {
      const rejected =
        error instanceof HubSpotApiError && error.constructor === HubSpotApiError && error.status >= 400 && error.status < 500;
      if (!rejected) throw error;
      const failure = { category: error.category ?? 'VALIDATION_ERROR', message: error.body.message ?? error.message };
      outcomes.push(...part.map((input) => ({ input, ok: false as const, error: failure })));
    }
  }
  return outcomes;
}

/**
 * Batch results come in no guaranteed order: match them to inputs by key. An input with no result is failed, with the
 * error whose context names its key, or else the batch's first error.
 */
function matchOutcomes<T>(
  inputs: readonly T[],
  keyOfInput: (input: T) => string,
  results: SimpleObject[],
  errors: BatchItemError[],
  keyOf: (object: SimpleObject) => string | undefined,
): ItemOutcome<T>[] {
  const byKey = new Map(results.map((object) => [keyOf(object), object]));
  return inputs.map((input) => {
    const key = keyOfInput(input);
    const object = byKey.get(key);
    if (object) return { input, ok: true as const, object };
    const error =
      errors.find((e) => Object.values(e.context ?? {}).some((values) => values.includes(key))) ?? errors[0];
    return {
      input,
      ok: false as const,
      error: { category: error?.category ?? 'UNKNOWN', message: error?.message ?? 'HubSpot returned no result for this item' },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Search: https://developers.hubspot.com/docs/api-reference/search/guide (5 requests/s, 200 per page, IN takes a
// list of values)

const searchPageSchema = z
  .object({
    total: z.number().optional(),
    results: z.array(simpleObjectSchema),
    paging: z.object({ next: z.object({ after: z.string() }).loose().optional() }).loose().optional(),
  })
  .loose();

/** Every record whose `property` is one of `values` (IN filter, 100 values per search, all pages). */
export async function findByPropertyValues(
  hubspot: HubSpot,
  objectType: string,
  property: string,
  values: readonly string[],
  properties: readonly string[] = [property],
): Promise<SimpleObject[]> {
  const found: SimpleObject[] = [];
  for (const part of chunk(values)) {
    found.push(...(await searchAllPages(hubspot, objectType, [{ propertyName: property, operator: 'IN', values: part }], properties)));
  }
  return found;
}

/** Every page of one search whose filters are ANDed (200 a page). */
async function searchAllPages(
  hubspot: HubSpot,
  objectType: string,
  filters: ReadonlyArray<Record<string, unknown>>,
  properties: readonly string[],
): Promise<SimpleObject[]> {
  const found: SimpleObject[] = [];
  let after: string | undefined;
  do {
    const page = await hubspot.request(
      {
        method: 'POST',
        path: `/crm/v3/objects/${enc(objectType)}/search`,
        body: { filterGroups: [{ filters }], properties, limit: 200, ...(after ? { after } : {}) },
      },
      searchPageSchema,
    );
    found.push(...page.results);
    after = page.paging?.next?.after;
  } while (after);
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Associations, batch create with a label: https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide

export interface LabelledAssociation {
  fromId: string;
  toId: string;
}

/** Creates labelled associations, 100 per call; creating one that exists changes nothing in HubSpot. */
export async function associateWithLabel(
  hubspot: HubSpot,
  fromObjectType: string,
  toObjectType: string,
  associationTypeId: number,
  associations: readonly LabelledAssociation[],
): Promise<void> {
  for (const part of chunk(associations)) {
    await hubspot.request(
      {
        method: 'POST',
        path: `/crm/v4/associations/${enc(fromObjectType)}/${enc(toObjectType)}/batch/create`,
        body: {
          inputs: part.map((a) => ({
            from: { id: a.fromId },
            to: { id: a.toId },
            types: [{ associationCategory: 'USER_DEFINED', associationTypeId }],
          })),
        },
      },
      z.unknown(),
    );
  }
}

/** Creates records, 100 per call (POST .../batch/create); the answer lists them in no guaranteed order. */
export async function batchCreate(
  hubspot: HubSpot,
  objectType: string,
  records: ReadonlyArray<{ properties: Record<string, string> }>,
): Promise<SimpleObject[]> {
  const created: SimpleObject[] = [];
  for (const part of chunk(records)) {
    const answer = await hubspot.request(
      { method: 'POST', path: `/crm/v3/objects/${enc(objectType)}/batch/create`, body: { inputs: part } },
      batchResponseSchema,
    );
    created.push(...answer.results);
  }
  return created;
}

/**
 * Records by id, 100 per call (POST .../batch/read); ids that no longer exist are left out (HubSpot answers 207 with
 * an error naming them).
 * https://developers.hubspot.com/docs/api-reference/crm-objects-v3/batch/read-records
 */
export async function batchRead(
  hubspot: HubSpot,
  objectType: string,
  ids: readonly string[],
  properties: readonly string[],
): Promise<SimpleObject[]> {
  const found: SimpleObject[] = [];
  for (const part of chunk([...new Set(ids)])) {
    const answer = await hubspot.request(
      {
        method: 'POST',
        path: `/crm/v3/objects/${enc(objectType)}/batch/read`,
        body: { inputs: part.map((id) => ({ id })), properties },
      },
      batchResponseSchema,
    );
    found.push(...answer.results);
  }
  return found;
}

/**
 * Records for a name, as candidates for a match: companies whose name holds any of `words` (CONTAINS_TOKEN, one
 * filter group each, ORed), or contacts by last name. One search call; up to 100 candidates.
 */
export async function searchByName(
  hubspot: HubSpot,
  objectType: 'companies' | 'contacts',
  words: readonly string[],
  properties: readonly string[],
): Promise<SimpleObject[]> {
  if (words.length === 0) return [];
  const property = objectType === 'companies' ? 'name' : 'lastname';
  const operator = objectType === 'companies' ? 'CONTAINS_TOKEN' : 'EQ';
  const page = await hubspot.request(
    {
      method: 'POST',
      path: `/crm/v3/objects/${enc(objectType)}/search`,
      body: {
        filterGroups: words.slice(0, 5).map((value) => ({ filters: [{ propertyName: property, operator, value }] })),
        properties,
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        limit: 100,
      },
    },
    searchPageSchema,
  );
  return page.results;
}

const associationsReadSchema = z
  .object({
    results: z.array(
      z
        .object({
          from: z.object({ id: z.union([z.string(), z.number()]).transform(String) }).loose(),
          to: z.array(
            z
              .object({
                toObjectId: z.union([z.string(), z.number()]).transform(String),
                associationTypes: z.array(z.object({ typeId: z.number(), category: z.string().optional() }).loose()),
              })
              .loose(),
          ),
        })
        .loose(),
    ),
  })
  .loose();

export interface RecordAssociation {
  toId: string;
  /** The association type ids (labels) the two records are associated with. */
  typeIds: number[];
}

/**
 * The records each record is associated with in another object type, 100 records per call (v4 batch read); a record
 * with none is absent from the map (HubSpot answers 207 with an error for it).
 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
 */
export async function readAssociations(
  hubspot: HubSpot,
  fromObjectType: string,
  toObjectType: string,
  ids: readonly string[],
): Promise<Map<string, RecordAssociation[]>> {
  const associations = new Map<string, RecordAssociation[]>();
  for (const part of chunk([...new Set(ids)])) {
    const answer = await hubspot.request(
      {
        method: 'POST',
        path: `/crm/v4/associations/${enc(fromObjectType)}/${enc(toObjectType)}/batch/read`,
        body: { inputs: part.map((id) => ({ id })) },
      },
      associationsReadSchema,
    );
    for (const result of answer.results) {
      associations.set(
        result.from.id,
        result.to.map((to) => ({ toId: to.toObjectId, typeIds: to.associationTypes.map((t) => t.typeId) })),
      );
    }
  }
  return associations;
}

/**
 * Every record created since `createdSince` on which `property` has no value (NOT_HAS_PROPERTY), all pages. Custom
 * objects keep their creation time in hs_createdate.
 * https://developers.hubspot.com/docs/api-reference/search/guide
 */
export async function findCreatedWithout(
  hubspot: HubSpot,
  objectType: string,
  property: string,
  createdSince: Date,
  createdProperty = 'hs_createdate',
): Promise<SimpleObject[]> {
  return searchAllPages(
    hubspot,
    objectType,
    [
      { propertyName: property, operator: 'NOT_HAS_PROPERTY' },
      { propertyName: createdProperty, operator: 'GTE', value: String(createdSince.getTime()) },
    ],
    [property],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Follow-up tasks (object 0-27): https://developers.hubspot.com/docs/api/crm/tasks. hs_timestamp (the due date, ms or
// ISO) is required; associations are given inline with each task.

const TASKS = 'tasks';

export interface TaskInput {
  /** Our dedupe key; written to rlx_task_key. */
  key: string;
  /** hs_task_subject, hs_task_body, hs_timestamp (due, ms or ISO), hs_task_type, hs_task_priority, hs_task_status, hubspot_owner_id, rlx_follow_up_rule … */
  properties: Record<string, string>;
  /** toObjectType is for the reader: HubSpot knows the target object from the association type id. */
  associations: ReadonlyArray<{
    toObjectType: string;
    toId: string;
    associationTypeId: number;
    category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
  }>;
}

export type TaskOutcome =
  | { ok: true; key: string; id: string }
  | { ok: false; key: string; error: { category: string; message: string } };

/**
 * Batch create, 100 per call, associations inline (POST /crm/v3/objects/tasks/batch/create,
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects/batch/create-objects); results matched
 * back to inputs by rlx_task_key (HubSpot returns them in no guaranteed order); a 207 or a 4xx for a batch gives
 * per-item failures without throwing for the others. Each input carries its key as objectWriteTraceId, which is what
 * makes HubSpot create the valid tasks of a batch and answer 207 for an invalid owner or a missing associated record
 * instead of refusing the whole batch (https://developers.hubspot.com/docs/api-reference/error-handling, "Multi-status
 * errors"). A key given twice is created once, from its last input.
 */
export async function createTasks(hubspot: HubSpot, inputs: readonly TaskInput[]): Promise<TaskOutcome[]> {
  const outcomes = await writeInBatches(
    hubspot,
    `/crm/v3/objects/${TASKS}/batch/create`,
    inputs,
    (input) => ({
      properties: { ...input.properties, [TASK_KEY_PROPERTY]: input.key },
      associations: input.associations.map((a) => ({
        to: { id: a.toId },
        types: [{ associationCategory: a.category, associationTypeId: a.associationTypeId }],
      })),
    }),
    (input) => input.key,
    (task) => task.properties[TASK_KEY_PROPERTY] ?? task.objectWriteTraceId,
  );
  return outcomes.map((o) =>
    o.ok ? { ok: true, key: o.input.key, id: o.object.id } : { ok: false, key: o.input.key, error: o.error },
  );
}

/**
 * key -> task id for tasks carrying these keys (search IN on rlx_task_key, 100 values per search, all pages). Should
 * two tasks carry one key (a person copied one), the older (lower id) is the one reported. HubSpot's search index
 * trails writes by a few seconds, so a task created a moment ago may not be found yet.
 */
export async function findTasksByKey(hubspot: HubSpot, keys: readonly string[]): Promise<Map<string, string>> {
  const wanted = new Set(keys);
  const found = await findByPropertyValues(hubspot, TASKS, TASK_KEY_PROPERTY, [...wanted]);
  const byKey = new Map<string, string>();
  for (const task of found.sort((a, b) => Number(a.id) - Number(b.id))) {
    const key = task.properties[TASK_KEY_PROPERTY];
    if (key != null && wanted.has(key) && !byKey.has(key)) byKey.set(key, task.id);
  }
  return byKey;
}

export interface TaskState {
  id: string;
  status: string;
  ownerId: string | null;
  completedAt: Date | null;
}

/**
 * hs_task_completion_date is not among the task properties HubSpot's guide lists; it is the property integrations
 * read for when a task was completed. Read as a datetime (ISO or epoch milliseconds); absent leaves completedAt null
 * rather than guessed from the status.
 */
const TASK_STATE_PROPERTIES = ['hs_task_status', 'hubspot_owner_id', 'hs_task_completion_date'] as const;

/** Tasks by id (batch read hs_task_status, hubspot_owner_id, hs_task_completion_date …); ids not found (deleted) are left out. */
export async function readTasks(hubspot: HubSpot, ids: readonly string[]): Promise<TaskState[]> {
  const tasks = await batchRead(hubspot, TASKS, ids, TASK_STATE_PROPERTIES);
  return tasks.map((task) => ({
    id: task.id,
    status: task.properties.hs_task_status ?? '',
    ownerId: task.properties.hubspot_owner_id || null,
    completedAt: toInstant(task.properties.hs_task_completion_date),
  }));
}

/** A datetime property's value (ISO 8601, or epoch milliseconds as HubSpot's older answers give them) as a Date. */
function toInstant(value: string | null | undefined): Date | null {
  if (!value) return null;
  const at = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Tasks whose owner could not be changed (for a reason other than the task being gone). */
export class TasksNotReassignedError extends Error {
  constructor(readonly failures: ReadonlyArray<{ id: string; error: { category: string; message: string } }>) {
    super(
      `HubSpot refused to reassign ${failures.length} task${failures.length === 1 ? '' : 's'}: ` +
        failures
          .slice(0, 3)
          .map((f) => `${f.id} (${f.error.message})`)
          .join('; '),
    );
    this.name = 'TasksNotReassignedError';
  }
}

/**
 * Batch update of owners (reassignment when a company's owner changes), 100 per call. A task deleted in HubSpot in
 * the meantime has no owner to change and is skipped; any other refusal (an owner HubSpot does not know) throws
 * TasksNotReassignedError once every batch has been sent, the others being reassigned.
 */
export async function reassignTasks(hubspot: HubSpot, changes: ReadonlyArray<{ id: string; ownerId: string }>): Promise<void> {
  const outcomes = await batchUpdate(
    hubspot,
    TASKS,
    changes.map((change) => ({ id: change.id, properties: { hubspot_owner_id: change.ownerId } })),
  );
  const failures = outcomes.flatMap((o) =>
    o.ok || o.error.category === 'OBJECT_NOT_FOUND' ? [] : [{ id: o.input.id, error: o.error }],
  );
  if (failures.length > 0) throw new TasksNotReassignedError(failures);
}
