import { z } from 'zod';
import { AssociationTypes, type AssociationWrite } from './associationTypes';
import {
  defaultReturnedProperties,
  pipelinePropertyNames,
  systemPropertyNames,
  type AssociationTypeDefinition,
} from './catalog';
import {
  HubSpotError,
  invalidPropertyValues,
  notFound,
  validationError,
  type BatchItemError,
  type PropertyProblem,
} from './errors';
import {
  batchReply,
  created,
  nextPage,
  now,
  noContent,
  numericId,
  ok,
  parseBody,
  propertyValues,
  queryAfter,
  queryBoolean,
  queryInteger,
  queryList,
  queryString,
  type Reply,
  type RequestContext,
} from './http';
import { loadObjectType, type TypeContext } from './objectTypes';
import type { CrmRecord, ObjectTypeRow, SandboxStore } from './store';
import { checkValue, type RawValue } from './values';

/**
 * Records of every object type, standard or custom, through one set of handlers: the objects API
 * (https://developers.hubspot.com/docs/api/crm/understanding-the-crm, reference:
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects/guide).
 */

/** "Batch endpoints take up to 100 inputs" (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details#request-limits). */
export const MAX_BATCH_INPUTS = 100;
/** The list endpoint's page size: 10 by default, at most 100. */
const LIST_LIMIT = { fallback: 10, max: 100 };

// ---- Representation -------------------------------------------------------------------------------------------

/** A record value as the API returns it: the system properties come from the record itself. */
function valueOf(type: ObjectTypeRow, record: CrmRecord, name: string): string | null {
  const system = systemPropertyNames(type.objectTypeId);
  if (name === 'hs_object_id') return String(record.objectId);
  if (name === system.created) return record.createdAt.toISOString();
  if (name === system.modified) return record.updatedAt.toISOString();
  return record.properties[name] ?? null;
}

/** SimplePublicObject: {id, properties, createdAt, updatedAt, archived}. */
export function toApiObject(
  type: TypeContext,
  record: CrmRecord,
  names: readonly string[],
  extra: Record<string, unknown> = {},
) {
  const properties: Record<string, string | null> = {};
  for (const name of names) properties[name] = valueOf(type.type, record, name);
  return {
    id: String(record.objectId),
    properties,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    archived: record.archived,
    ...(record.archivedAt ? { archivedAt: record.archivedAt.toISOString() } : {}),
    ...extra,
  };
}

/**
 * The properties a read returns: those requested that exist (unknown names are ignored, as HubSpot does), or the
 * object's default set when none are requested.
 */
export function propertiesToReturn(type: TypeContext, requested: readonly string[] | undefined): string[] {
  if (requested === undefined || requested.length === 0) return defaultReturnedProperties(type.type.objectTypeId);
  return [...new Set(requested)].filter((name) => type.properties.has(name));
}

/** A write answers with the default set and what it wrote. */
function writtenProperties(type: TypeContext, written: Iterable<string>): string[] {
  return [...new Set([...defaultReturnedProperties(type.type.objectTypeId), ...written])];
}

// ---- Errors HubSpot answers for records ----------------------------------------------------------------------

/** HubSpot's 404 for a record id it cannot find ("Object not found.  objectId are usually numeric."). */
const recordNotFound = (id: string) =>
  notFound('Object not found.  objectId are usually numeric.', { context: { id: [id] } });

/** An upsert or update by a property that does not require unique values (seen from HubSpot's batch endpoints). */
const nonUniqueIdProperty = (type: ObjectTypeRow, portalId: number, name: string) =>
  validationError(
    `Unable to perform update/upsert by non-unique ${type.objectTypeId} property ${name} in portal ID ${portalId}`,
  );

/**
 * A second record with a value of a unique property: HubSpot's 409 CONFLICT, "<Object> already exists. Existing ID:
 * <id>" (as for contacts' emails: https://developers.hubspot.com/docs/api/crm/contacts), with the existing id in the
 * context as in its multi-status errors.
 */
function uniqueConflict(
  type: ObjectTypeRow,
  property: string,
  value: string,
  existingId: number | undefined,
): HubSpotError {
  const label = type.labels.singular;
  const existing = existingId === undefined ? 'in this batch' : `Existing ID: ${existingId}`;
  return new HubSpotError(409, 'CONFLICT', `${label} already exists. ${existing}`, {
    errors: [
      { message: `A ${label.toLowerCase()} with ${property} ${value} already exists. ${existing}`, in: property },
    ],
    ...(existingId === undefined ? {} : { context: { existingId: [String(existingId)] } }),
  });
}

/**
 * Duplicate ids in one batch: HubSpot rejects the whole request
 * (`{"message":"Duplicate IDs found in batch input: [12877907025]. IDs must be unique","context":{"ids":["12877907025"]},
 * "category":"VALIDATION_ERROR"}`, as returned by /crm/v3/objects/{objectType}/batch/update and batch/upsert).
 */
function rejectDuplicateIds(ids: readonly string[]): void {
  const seen = new Set<string>();
  const duplicated = [...new Set(ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false))))];
  if (duplicated.length > 0) {
    throw validationError(`Duplicate IDs found in batch input: [${duplicated.join(', ')}]. IDs must be unique`, {
      context: { ids: duplicated },
    });
  }
}

/**
 * More than 100 inputs. The message follows HubSpot's wording for its sibling limit ("The maximum number of inputs
 * supported in a batch request for property histories is 50. Please reduce the number of items and try again").
 */
export function checkBatchSize(inputs: readonly unknown[]): void {
  if (inputs.length > MAX_BATCH_INPUTS) {
    throw validationError(
      `The maximum number of inputs supported in a batch request is ${MAX_BATCH_INPUTS}. Please reduce the number of items and try again`,
      { context: { inputs: [String(inputs.length)] } },
    );
  }
}

// ---- Writes ---------------------------------------------------------------------------------------------------

const associationInput = z.object({
  to: z.object({ id: numericId }),
  types: z.array(z.object({ associationCategory: z.string(), associationTypeId: z.number().int() })),
});

export interface WriteInput {
  properties: Record<string, RawValue>;
  /** Set on each input of a batch to get per-input errors with a 207 instead of a failed request
   * (https://developers.hubspot.com/docs/api-reference/error-handling#multi-status-errors). */
  objectWriteTraceId?: string;
  associations?: z.infer<typeof associationInput>[];
  /** The record to update (by id, or by the value of a unique property); absent for a create. */
  target?: { id: string; idProperty?: string };
  /** Upsert: create the record when the target is not found. */
  createIfMissing?: boolean;
}

export interface WriteOutcome {
  index: number;
  record: CrmRecord;
  isNew: boolean;
  written: string[];
  objectWriteTraceId?: string;
}

export interface WriteFailure {
  index: number;
  error: HubSpotError;
  objectWriteTraceId?: string;
  /** A batch answers this one with a 207 even without trace ids (batch update of a missing record). */
  alwaysPerItem: boolean;
}

/** Loaded at most once per request: the allowed values of owner, pipeline and stage properties. */
class OptionSources {
  private owners?: Set<string>;
  private pipelines?: Awaited<ReturnType<SandboxStore['listPipelines']>>;
  constructor(
    private readonly store: SandboxStore,
    private readonly objectTypeId: string,
  ) {}

  async ownerIds(): Promise<Set<string>> {
    this.owners ??= await this.store.ownerIds();
    return this.owners;
  }

  async pipelineList() {
    this.pipelines ??= await this.store.listPipelines(this.objectTypeId);
    return this.pipelines;
  }
}

interface Resolved {
  index: number;
  input: WriteInput;
  existing?: CrmRecord;
  /** Values a create starts from (the idProperty of an upsert). */
  seed: Record<string, string>;
}

/**
 * Finds the records the inputs address: by id, or by a unique property's value (update and upsert with
 * idProperty). Inputs not found become creates (upsert) or failures.
 */
async function resolveTargets(
  store: SandboxStore,
  type: TypeContext,
  inputs: readonly WriteInput[],
  failures: WriteFailure[],
): Promise<Resolved[]> {
  const idsByInput = new Map<number, number>();
  const seeds = new Map<number, Record<string, string>>();
  const byProperty = new Map<string, Array<{ index: number; value: string }>>();
  inputs.forEach((input, index) => {
    const target = input.target;
    if (!target) return;
    // hs_object_id is not a unique property: HubSpot refuses it as idProperty like any other non-unique property.
    const idProperty = target.idProperty;
    if (!idProperty) {
      const n = Number(target.id);
      if (Number.isSafeInteger(n) && n > 0) idsByInput.set(index, n);
      return;
    }
    const definition = type.properties.get(idProperty);
    if (!definition?.hasUniqueValue) throw nonUniqueIdProperty(type.type, store.portalId, idProperty);
    const checked = checkValue(definition, target.id);
    if (!checked.ok || checked.value === null) {
      failures.push({
        index,
        error: invalidPropertyValues([
          checked.ok ? { name: idProperty, code: 'INVALID_OPTION', message: 'An id is required.' } : checked.problem,
        ]),
        ...traceOf(input),
        alwaysPerItem: false,
      });
      return;
    }
    seeds.set(index, { [idProperty]: checked.value });
    byProperty.set(idProperty, [...(byProperty.get(idProperty) ?? []), { index, value: checked.value }]);
  });
  for (const [property, wanted] of byProperty) {
    const found = await store.findByUniqueValues(
      type.type.objectTypeId,
      property,
      wanted.map((w) => w.value),
    );
    for (const w of wanted) {
      const id = found.get(w.value);
      if (id !== undefined) idsByInput.set(w.index, id);
    }
  }
  const existing = await store.getRecords(type.type.objectTypeId, [...idsByInput.values()]);
  const resolved: Resolved[] = [];
  inputs.forEach((input, index) => {
    if (failures.some((f) => f.index === index)) return;
    const id = idsByInput.get(index);
    const record = id === undefined ? undefined : existing.get(id);
    if (input.target && !record && !input.createIfMissing) {
      failures.push({ index, error: recordNotFound(input.target.id), ...traceOf(input), alwaysPerItem: true });
      return;
    }
    resolved.push({ index, input, ...(record ? { existing: record } : {}), seed: seeds.get(index) ?? {} });
  });
  return resolved;
}

const traceOf = (input: WriteInput) =>
  input.objectWriteTraceId !== undefined ? { objectWriteTraceId: input.objectWriteTraceId } : {};

/** Checks an input's values and returns the record's values after the write, or the problems found. */
async function mergeValues(
  type: TypeContext,
  sources: OptionSources,
  item: Resolved,
): Promise<{ values: Record<string, string>; written: string[] } | { problems: PropertyProblem[] }> {
  const problems: PropertyProblem[] = [];
  const values: Record<string, string> = { ...(item.existing?.properties ?? {}), ...(item.existing ? {} : item.seed) };
  const written: string[] = item.existing ? [] : Object.keys(item.seed);
  const pipelineNames = pipelinePropertyNames(type.type.objectTypeId);
  for (const [name, raw] of Object.entries(item.input.properties)) {
    const definition = type.properties.get(name);
    if (!definition) {
      problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    // Stages are checked below, once the record's pipeline is known.
    if (definition.optionsFrom === 'stages') {
      if (raw === null || raw === '') delete values[name];
      else values[name] = String(raw);
      written.push(name);
      continue;
    }
    let allowed: Set<string> | undefined;
    if (definition.optionsFrom === 'owners') allowed = await sources.ownerIds();
    if (definition.optionsFrom === 'pipelines')
      allowed = new Set((await sources.pipelineList()).map((p) => p.pipelineId));
    const checked = checkValue(definition, raw, allowed);
    if (!checked.ok) {
      problems.push(checked.problem);
      continue;
    }
    if (checked.value === null) delete values[name];
    else values[name] = checked.value;
    written.push(name);
  }
  if (pipelineNames && (written.includes(pipelineNames.pipeline) || written.includes(pipelineNames.stage))) {
    problems.push(...(await checkStage(sources, pipelineNames, values, written)));
  }
  if (!item.existing) {
    for (const required of type.type.requiredProperties) {
      if (values[required] === undefined) {
        problems.push({ name: required, code: 'REQUIRED_PROPERTY', message: `Property "${required}" is required` });
      }
    }
  }
  return problems.length > 0 ? { problems } : { values, written };
}

/**
 * A stage must be one of its pipeline's stages; a stage written without a pipeline puts the record in the object's
 * first pipeline (https://developers.hubspot.com/docs/api/crm/pipelines: records move through their pipeline's stages).
 */
async function checkStage(
  sources: OptionSources,
  names: { pipeline: string; stage: string },
  values: Record<string, string>,
  written: string[],
): Promise<PropertyProblem[]> {
  const stage = values[names.stage];
  if (stage === undefined) return [];
  const pipelines = await sources.pipelineList();
  const pipeline =
    values[names.pipeline] === undefined
      ? pipelines[0]
      : pipelines.find((p) => p.pipelineId === values[names.pipeline]);
  if (pipeline && values[names.pipeline] === undefined) {
    values[names.pipeline] = pipeline.pipelineId;
    written.push(names.pipeline);
  }
  const stageIds = pipeline?.stages.map((s) => s.stageId) ?? [];
  if (stageIds.includes(stage)) return [];
  return [
    {
      name: names.stage,
      code: 'INVALID_OPTION',
      message: `${stage} was not one of the allowed options: [${stageIds.join(', ')}]`,
    },
  ];
}

/**
 * Creates and updates records in one transaction, checking first what HubSpot checks: property names and values,
 * required properties, unique values (against the CRM and within the batch) and associations. With `perItem`
 * (every input carries an objectWriteTraceId) failed inputs are reported and the rest written; otherwise the first
 * failure fails the request and nothing is written.
 */
export async function writeRecords(
  store: SandboxStore,
  type: TypeContext,
  inputs: readonly WriteInput[],
): Promise<{ outcomes: WriteOutcome[]; failures: WriteFailure[] }> {
  const objectTypeId = type.type.objectTypeId;
  await store.lockObjectType(objectTypeId);
  const failures: WriteFailure[] = [];
  const fail = (index: number, error: HubSpotError) =>
    failures.push({ index, error, ...traceOf(inputs[index] ?? { properties: {} }), alwaysPerItem: false });
  const sources = new OptionSources(store, objectTypeId);
  const resolved = await resolveTargets(store, type, inputs, failures);

  const merged: Array<Resolved & { values: Record<string, string>; written: string[] }> = [];
  for (const item of resolved) {
    const result = await mergeValues(type, sources, item);
    if ('problems' in result) fail(item.index, invalidPropertyValues(result.problems));
    else merged.push({ ...item, ...result });
  }

  // Unique values: against the records already holding them, and between inputs of this batch.
  const uniqueNames = [...type.properties.values()].filter((p) => p.hasUniqueValue).map((p) => p.name);
  const claims = new Map<string, number>();
  const clean: typeof merged = [];
  const holders = new Map<string, Map<string, number>>();
  for (const name of uniqueNames) {
    const values = merged.map((m) => m.values[name]).filter((v): v is string => v !== undefined);
    holders.set(name, await store.findByUniqueValues(objectTypeId, name, values));
  }
  for (const item of merged) {
    let conflict: HubSpotError | undefined;
    for (const name of uniqueNames) {
      const value = item.values[name];
      if (value === undefined) continue;
      const holder = holders.get(name)?.get(value);
      const claimKey = `${name}\u0000${value}`;
      if (holder !== undefined && holder !== item.existing?.objectId)
        conflict ??= uniqueConflict(type.type, name, value, holder);
      else if (claims.has(claimKey)) conflict ??= uniqueConflict(type.type, name, value, undefined);
    }
    if (conflict) {
      fail(item.index, conflict);
      continue;
    }
    for (const name of uniqueNames)
      if (item.values[name] !== undefined) claims.set(`${name}\u0000${item.values[name]}`, item.index);
    clean.push(item);
  }

  // Associations given with a create: their types must leave this object type and their records must exist.
  const associationTypes = inputs.some((i) => i.associations?.length) ? await AssociationTypes.load(store) : undefined;
  type Planned = { toObjectTypeId: string; toObjectId: number; type: AssociationTypeDefinition };
  const planned = new Map<number, Planned[] | HubSpotError>();
  const targets = new Map<string, Set<number>>();
  for (const item of clean) {
    const plan: Planned[] = [];
    for (const association of item.input.associations ?? []) {
      for (const spec of association.types) {
        const definition = associationTypes?.findFrom(objectTypeId, spec);
        const toObjectId = Number(association.to.id);
        if (!definition) {
          planned.set(
            item.index,
            validationError(
              `${spec.associationCategory} association type ${spec.associationTypeId} is not defined from ${objectTypeId}.`,
            ),
          );
          break;
        }
        plan.push({ toObjectTypeId: definition.toObjectTypeId, toObjectId, type: definition });
        targets.set(definition.toObjectTypeId, (targets.get(definition.toObjectTypeId) ?? new Set()).add(toObjectId));
      }
    }
    if (!planned.has(item.index)) planned.set(item.index, plan);
  }
  const existingTargets = new Set<string>();
  for (const [toType, ids] of targets) {
    const found = await store.getRecords(
      toType,
      [...ids].filter((id) => Number.isSafeInteger(id)),
    );
    for (const id of found.keys()) existingTargets.add(`${toType}/${id}`);
  }
  const ready: typeof clean = [];
  const plans = new Map<number, Planned[]>();
  for (const item of clean) {
    const plan = planned.get(item.index) ?? [];
    if (plan instanceof HubSpotError) {
      fail(item.index, plan);
      continue;
    }
    const missing = plan.find((p) => !existingTargets.has(`${p.toObjectTypeId}/${p.toObjectId}`));
    if (missing) {
      fail(
        item.index,
        validationError(
          `One or more associated objects do not exist: ${missing.toObjectTypeId} ${missing.toObjectId}.`,
        ),
      );
      continue;
    }
    plans.set(item.index, plan);
    ready.push(item);
  }

  failures.sort((a, b) => a.index - b.index);
  const perItem = inputs.length > 0 && inputs.every((i) => i.objectWriteTraceId !== undefined);
  const fatal = failures.find((f) => !f.alwaysPerItem);
  if (fatal && !perItem) throw fatal.error;

  // Write what passed.
  const at = now();
  const creates = ready.filter((item) => !item.existing);
  const updates = ready.filter((item) => item.existing);
  const ids = await store.nextIds('object', creates.length);
  const createdIds = new Map(creates.map((item, i) => [item.index, ids[i] ?? 0]));
  await store.insertRecords(
    objectTypeId,
    creates.map((item) => ({ objectId: createdIds.get(item.index) ?? 0, properties: item.values })),
    at,
  );
  await store.updateRecords(
    objectTypeId,
    updates.map((item) => ({ objectId: item.existing?.objectId ?? 0, properties: item.values })),
    at,
  );
  const outcomes: WriteOutcome[] = ready.map((item) => ({
    index: item.index,
    isNew: !item.existing,
    written: item.written,
    ...traceOf(item.input),
    record: {
      objectId: item.existing?.objectId ?? createdIds.get(item.index) ?? 0,
      properties: item.values,
      archived: false,
      archivedAt: null,
      createdAt: item.existing?.createdAt ?? at,
      updatedAt: at,
    },
  }));
  await store.setUniqueValues(
    objectTypeId,
    outcomes.flatMap((o) =>
      uniqueNames.map((name) => ({
        objectId: o.record.objectId,
        propertyName: name,
        value: o.record.properties[name] ?? null,
      })),
    ),
  );
  if (associationTypes) {
    const rows: AssociationWrite[] = outcomes.flatMap((o) =>
      (plans.get(o.index) ?? []).flatMap((p) =>
        associationTypes.rows(
          { objectTypeId, objectId: o.record.objectId },
          { objectTypeId: p.toObjectTypeId, objectId: p.toObjectId },
          [p.type],
        ),
      ),
    );
    await store.addAssociations(rows);
  }
  return { outcomes: outcomes.sort((a, b) => a.index - b.index), failures };
}

// ---- Routes ---------------------------------------------------------------------------------------------------

const createSchema = z.object({
  properties: propertyValues,
  associations: z.array(associationInput).optional(),
  objectWriteTraceId: z.string().optional(),
});
const updateSchema = z.object({ properties: propertyValues });

/** A record as a write answers it, with what HubSpot adds for trace ids and upserts. */
function toWrittenObject(type: TypeContext, outcome: WriteOutcome, extra: Record<string, unknown> = {}) {
  return toApiObject(type, outcome.record, writtenProperties(type, outcome.written), {
    ...extra,
    ...(outcome.objectWriteTraceId !== undefined ? { objectWriteTraceId: outcome.objectWriteTraceId } : {}),
  });
}

/** A single write: its failure is the response. */
async function writeOne(ctx: RequestContext, input: WriteInput): Promise<{ type: TypeContext; outcome: WriteOutcome }> {
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const { outcomes, failures } = await writeRecords(store, type, [input]);
    const outcome = outcomes[0];
    if (failures[0]) throw failures[0].error;
    if (!outcome) throw new Error('a single write produced no outcome');
    return { type, outcome };
  });
}

export async function createRecordRoute(ctx: RequestContext): Promise<Reply> {
  const body = parseBody(createSchema, ctx.body);
  const { type, outcome } = await writeOne(ctx, {
    properties: body.properties,
    ...(body.associations ? { associations: body.associations } : {}),
  });
  return created(toWrittenObject(type, outcome));
}

export async function updateRecordRoute(ctx: RequestContext): Promise<Reply> {
  const body = parseBody(updateSchema, ctx.body);
  const idProperty = queryString(ctx, 'idProperty');
  const { type, outcome } = await writeOne(ctx, {
    properties: body.properties,
    target: { id: ctx.params.objectId ?? '', ...(idProperty ? { idProperty } : {}) },
  });
  return ok(toWrittenObject(type, outcome));
}

/**
 * Finds records by id, or by the value of a unique property (idProperty): input id -> record. Ids that match no
 * record are left out.
 */
async function findRecords(
  store: SandboxStore,
  type: TypeContext,
  ids: readonly string[],
  idProperty: string | undefined,
  includeArchived: boolean,
): Promise<Map<string, CrmRecord>> {
  const objectIds = new Map<string, number>();
  if (idProperty) {
    const definition = type.properties.get(idProperty);
    if (!definition?.hasUniqueValue) throw nonUniqueIdProperty(type.type, store.portalId, idProperty);
    const normalized = new Map<string, string>();
    for (const id of ids) {
      const checked = checkValue(definition, id);
      if (checked.ok && checked.value !== null) normalized.set(id, checked.value);
    }
    const found = await store.findByUniqueValues(type.type.objectTypeId, idProperty, [...normalized.values()]);
    for (const [id, value] of normalized) {
      const objectId = found.get(value);
      if (objectId !== undefined) objectIds.set(id, objectId);
    }
  } else {
    for (const id of ids) if (Number.isSafeInteger(Number(id)) && Number(id) > 0) objectIds.set(id, Number(id));
  }
  const records = await store.getRecords(type.type.objectTypeId, [...objectIds.values()], { includeArchived });
  const byInput = new Map<string, CrmRecord>();
  for (const [id, objectId] of objectIds) {
    const record = records.get(objectId);
    if (record) byInput.set(id, record);
  }
  return byInput;
}

export async function getRecordRoute(ctx: RequestContext): Promise<Reply> {
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  const id = ctx.params.objectId ?? '';
  const record = (
    await findRecords(ctx.store, type, [id], queryString(ctx, 'idProperty'), queryBoolean(ctx, 'archived'))
  ).get(id);
  if (!record) throw recordNotFound(id);
  return ok(toApiObject(type, record, propertiesToReturn(type, queryList(ctx, 'properties'))));
}

export async function archiveRecordRoute(ctx: RequestContext): Promise<Reply> {
  await ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const id = Number(ctx.params.objectId);
    // Archiving a record that is gone already is still a 204.
    if (Number.isSafeInteger(id)) await store.archiveRecords(type.type.objectTypeId, [id]);
  });
  return noContent();
}

export async function listRecordsRoute(ctx: RequestContext): Promise<Reply> {
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  const limit = queryInteger(ctx, 'limit', LIST_LIMIT.fallback, LIST_LIMIT.max);
  const records = await ctx.store.listRecords(type.type.objectTypeId, {
    after: queryAfter(ctx),
    limit: limit + 1,
    archived: queryBoolean(ctx, 'archived'),
  });
  const page = records.slice(0, limit);
  const names = propertiesToReturn(type, queryList(ctx, 'properties'));
  const last = page[page.length - 1];
  const paging = records.length > limit && last ? nextPage(ctx, String(last.objectId)) : undefined;
  return ok({ results: page.map((r) => toApiObject(type, r, names)), ...(paging ? { paging } : {}) });
}

const batchCreateSchema = z.object({ inputs: z.array(createSchema) });
const batchUpdateSchema = z.object({
  inputs: z.array(
    z.object({
      id: numericId,
      idProperty: z.string().optional(),
      objectWriteTraceId: z.string().optional(),
      properties: propertyValues,
    }),
  ),
});
const batchUpsertSchema = z.object({
  inputs: z.array(
    z.object({
      id: numericId,
      idProperty: z.string(),
      objectWriteTraceId: z.string().optional(),
      properties: propertyValues,
    }),
  ),
});
const batchReadSchema = z.object({
  inputs: z.array(z.object({ id: numericId })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});
const batchArchiveSchema = z.object({ inputs: z.array(z.object({ id: numericId })) });

/** Failed inputs as batch errors: named by their trace id, or by the error's own context (the id not found). */
function failureItems(failures: readonly WriteFailure[]): BatchItemError[] {
  return failures.map((f) =>
    f.error.toBatchItem(f.objectWriteTraceId !== undefined ? { objectWriteTraceId: [f.objectWriteTraceId] } : {}),
  );
}

async function writeBatch(
  ctx: RequestContext,
  inputs: WriteInput[],
  successStatus: 200 | 201,
  extra: (o: WriteOutcome) => Record<string, unknown>,
) {
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const { outcomes, failures } = await writeRecords(store, type, inputs);
    const results = outcomes.map((o) => toWrittenObject(type, o, extra(o)));
    return batchReply(ctx, successStatus, results, failureItems(failures));
  });
}

export async function batchCreateRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchCreateSchema, ctx.body);
  checkBatchSize(inputs);
  return writeBatch(
    ctx,
    inputs.map((i) => ({
      properties: i.properties,
      ...(i.associations ? { associations: i.associations } : {}),
      ...(i.objectWriteTraceId !== undefined ? { objectWriteTraceId: i.objectWriteTraceId } : {}),
    })),
    201,
    () => ({}),
  );
}

export async function batchUpdateRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchUpdateSchema, ctx.body);
  checkBatchSize(inputs);
  rejectDuplicateIds(inputs.map((i) => `${i.idProperty ?? ''}:${i.id}`.replace(/^:/, '')));
  return writeBatch(
    ctx,
    inputs.map((i) => ({
      properties: i.properties,
      target: { id: i.id, ...(i.idProperty ? { idProperty: i.idProperty } : {}) },
      ...(i.objectWriteTraceId !== undefined ? { objectWriteTraceId: i.objectWriteTraceId } : {}),
    })),
    200,
    () => ({}),
  );
}

/**
 * POST batch/upsert: inputs {id, idProperty, properties}; each record whose idProperty (a hasUniqueValue property)
 * holds `id` is updated, the others are created with it. Results carry `new`.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects/batch/upsert-objects
 */
export async function batchUpsertRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchUpsertSchema, ctx.body);
  checkBatchSize(inputs);
  rejectDuplicateIds(inputs.map((i) => i.id));
  return writeBatch(
    ctx,
    inputs.map((i) => ({
      properties: i.properties,
      target: { id: i.id, idProperty: i.idProperty },
      createIfMissing: true,
      ...(i.objectWriteTraceId !== undefined ? { objectWriteTraceId: i.objectWriteTraceId } : {}),
    })),
    200,
    (o) => ({ new: o.isNew }),
  );
}

/**
 * POST batch/read: the records found, in input order; ids not found are one OBJECT_NOT_FOUND error with a 207
 * ("Could not get some <TYPE> objects, they may be deleted or not exist. Check that ids are valid.").
 */
export async function batchReadRoute(ctx: RequestContext): Promise<Reply> {
  const body = parseBody(batchReadSchema, ctx.body);
  checkBatchSize(body.inputs);
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  const archived = queryBoolean(ctx, 'archived');
  const names = propertiesToReturn(type, body.properties);
  const ids = body.inputs.map((i) => i.id);
  const found = await findRecords(ctx.store, type, ids, body.idProperty, archived);
  const seen = new Set<number>();
  const results = [];
  for (const id of ids) {
    const record = found.get(id);
    if (!record || seen.has(record.objectId)) continue;
    seen.add(record.objectId);
    results.push(toApiObject(type, record, names));
  }
  const missing = [...new Set(ids.filter((id) => !found.has(id)))];
  const errors = missing.length
    ? [
        notFound(
          `Could not get some ${type.type.labels.singular.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
        ).toBatchItem({
          ids: missing,
        }),
      ]
    : [];
  return batchReply(ctx, 200, results, errors);
}

/** POST batch/archive: 204, whether or not the records still existed. */
export async function batchArchiveRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchArchiveSchema, ctx.body);
  checkBatchSize(inputs);
  await ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const ids = inputs.map((i) => Number(i.id)).filter((n) => Number.isSafeInteger(n));
    await store.archiveRecords(type.type.objectTypeId, ids);
  });
  return noContent();
}
