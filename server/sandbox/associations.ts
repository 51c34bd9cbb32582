import { z } from 'zod';
import { AssociationTypes, createAssociationTypePair, type AssociationWrite } from './associationTypes';
import type { AssociationTypeDefinition } from './catalog';
import { HubSpotError, notFound, validationError, type BatchItemError } from './errors';
import {
  batchReply,
  created,
  noContent,
  nextPage,
  numericId,
  ok,
  parseBody,
  queryInteger,
  queryString,
  type Reply,
  type RequestContext,
} from './http';
import { resolveObjectType } from './objectTypes';
import { checkBatchSize } from './records';
import type { AssociationRow, ObjectTypeRow, SandboxStore } from './store';

/**
 * The v4 associations API: labels (association schema) and record associations.
 * https://developers.hubspot.com/docs/api/crm/associations/associations-v4 and
 * https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associations-schema/guide
 * Ids of records are numbers in v4 responses, as in HubSpot's examples. Success statuses follow HubSpot's OpenAPI
 * specs (as generated into @hubspot/api-client): PUT of a labeled association 201, of a default one 200; batch/create
 * 201, batch/associate/default 200, batch/read 200, batch archives 204; 207 when some inputs failed.
 */

const specSchema = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']),
  associationTypeId: z.number().int(),
});

const toLabel = (t: AssociationTypeDefinition) => ({ category: t.category, typeId: t.typeId, label: t.label });

async function pair(ctx: RequestContext): Promise<{ from: ObjectTypeRow; to: ObjectTypeRow }> {
  const from = await resolveObjectType(ctx.store, ctx.params.fromObjectType);
  const to = await resolveObjectType(ctx.store, ctx.params.toObjectType);
  return { from, to };
}

/** Which of the given record ids exist, live, in an object type. */
async function existing(store: SandboxStore, objectTypeId: string, ids: readonly number[]): Promise<Set<number>> {
  const safe = ids.filter((id) => Number.isSafeInteger(id) && id > 0);
  return new Set((await store.getRecords(objectTypeId, safe)).keys());
}

const recordMissing = (type: ObjectTypeRow, id: string | number) =>
  notFound(`No ${type.labels.singular.toLowerCase()} with id ${id} exists.`, { context: { id: [String(id)] } });

/** The association types between two records, grouped by the record they lead to, as v4 reads list them. */
function groupByTarget(rows: readonly AssociationRow[], types: AssociationTypes, fromObjectTypeId: string) {
  const grouped = new Map<number, Array<{ category: string; typeId: number; label: string | null }>>();
  for (const row of rows) {
    const definition = types.findFrom(fromObjectTypeId, {
      associationCategory: row.category,
      associationTypeId: row.typeId,
    });
    const list = grouped.get(row.toObjectId) ?? [];
    list.push({ category: row.category, typeId: row.typeId, label: definition?.label ?? null });
    grouped.set(row.toObjectId, list);
  }
  return [...grouped].map(([toObjectId, associationTypes]) => ({ toObjectId, associationTypes }));
}

/** LabelsBetweenObjectPair: the labels two records are now associated with. */
async function labelsBetween(
  store: SandboxStore,
  types: AssociationTypes,
  from: ObjectTypeRow,
  fromId: number,
  to: ObjectTypeRow,
  toId: number,
) {
  return labelsOfPairs(store, types, from, to, [{ fromId, toId }]).then((pairs) => pairs[0]);
}

/** LabelsBetweenObjectPair for many pairs, read in one query (a batch of 100 is one statement, not 100). */
async function labelsOfPairs(
  store: SandboxStore,
  types: AssociationTypes,
  from: ObjectTypeRow,
  to: ObjectTypeRow,
  pairs: ReadonlyArray<{ fromId: number; toId: number }>,
) {
  const rows = await store.listAssociations(from.objectTypeId, [...new Set(pairs.map((p) => p.fromId))], to.objectTypeId);
  return pairs.map(({ fromId, toId }) => ({
    fromObjectTypeId: from.objectTypeId,
    fromObjectId: fromId,
    toObjectTypeId: to.objectTypeId,
    toObjectId: toId,
    labels: rows
      .filter((r) => r.fromObjectId === fromId && r.toObjectId === toId)
      .map((r) => types.findFrom(from.objectTypeId, { associationCategory: r.category, associationTypeId: r.typeId })?.label)
      .filter((l): l is string => typeof l === 'string'),
  }));
}

// ---- Labels ---------------------------------------------------------------------------------------------------

/** GET .../labels: HubSpot's types for the pair and the portal's own. */
export async function listLabelsRoute(ctx: RequestContext): Promise<Reply> {
  const { from, to } = await pair(ctx);
  const types = await AssociationTypes.load(ctx.store);
  return ok({ results: types.between(from.objectTypeId, to.objectTypeId).map(toLabel) });
}

const labelCreateSchema = z.object({
  label: z.string().min(1),
  name: z.string().min(1),
  inverseLabel: z.string().min(1).optional(),
});

/**
 * POST .../labels: a USER_DEFINED label, as a pair of types (from->to and to->from). A paired label names the other
 * direction with inverseLabel; otherwise both directions carry the label. Both are returned.
 */
export async function createLabelRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(labelCreateSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const from = await resolveObjectType(store, ctx.params.fromObjectType);
    const to = await resolveObjectType(store, ctx.params.toObjectType);
    const taken = (await AssociationTypes.load(store)).between(from.objectTypeId, to.objectTypeId);
    if (taken.some((t) => t.category === 'USER_DEFINED' && t.name === input.name)) {
      throw new HubSpotError(
        409,
        'CONFLICT',
        `An association label named ${input.name} already exists between ${from.objectTypeId} and ${to.objectTypeId}.`,
      );
    }
    const types = await createAssociationTypePair(store, {
      from: from.objectTypeId,
      to: to.objectTypeId,
      name: input.name,
      label: input.label,
      inverseLabel: input.inverseLabel ?? null,
    });
    return ok({ results: types.map(toLabel) });
  });
}

const labelUpdateSchema = z.object({
  associationTypeId: z.number().int(),
  label: z.string().min(1),
  inverseLabel: z.string().min(1).optional(),
});

async function requireUserDefined(
  store: SandboxStore,
  from: ObjectTypeRow,
  to: ObjectTypeRow,
  typeId: number,
): Promise<AssociationTypeDefinition> {
  const types = await AssociationTypes.load(store);
  const found = types
    .between(from.objectTypeId, to.objectTypeId)
    .find((t) => t.typeId === typeId && t.category === 'USER_DEFINED');
  if (!found)
    throw notFound(`No USER_DEFINED association type ${typeId} from ${from.objectTypeId} to ${to.objectTypeId}.`);
  return found;
}

/** PUT .../labels: renames a label (and its inverse when given); 204. */
export async function updateLabelRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(labelUpdateSchema, ctx.body);
  await ctx.store.transaction(async (store) => {
    const from = await resolveObjectType(store, ctx.params.fromObjectType);
    const to = await resolveObjectType(store, ctx.params.toObjectType);
    const type = await requireUserDefined(store, from, to, input.associationTypeId);
    await store.updateAssociationTypeLabel(type.typeId, input.label);
    if (input.inverseLabel !== undefined)
      await store.updateAssociationTypeLabel(type.inverseTypeId, input.inverseLabel);
  });
  return noContent();
}

/** DELETE .../labels/{associationTypeId}: removes the label, both directions, and the associations made with it. */
export async function deleteLabelRoute(ctx: RequestContext): Promise<Reply> {
  await ctx.store.transaction(async (store) => {
    const from = await resolveObjectType(store, ctx.params.fromObjectType);
    const to = await resolveObjectType(store, ctx.params.toObjectType);
    const type = await requireUserDefined(store, from, to, Number(ctx.params.associationTypeId));
    await store.deleteAssociationType(type.typeId);
    await store.deleteAssociationType(type.inverseTypeId);
  });
  return noContent();
}

// ---- Record associations --------------------------------------------------------------------------------------

/** PUT /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}: associates two records with the given labels. */
export async function associateRoute(ctx: RequestContext): Promise<Reply> {
  const specs = parseBody(z.array(specSchema).min(1), ctx.body);
  return ctx.store.transaction(async (store) => {
    const from = await resolveObjectType(store, ctx.params.fromObjectType);
    const to = await resolveObjectType(store, ctx.params.toObjectType);
    const fromId = Number(ctx.params.fromObjectId);
    const toId = Number(ctx.params.toObjectId);
    if (!(await existing(store, from.objectTypeId, [fromId])).has(fromId))
      throw recordMissing(from, ctx.params.fromObjectId ?? '');
    if (!(await existing(store, to.objectTypeId, [toId])).has(toId))
      throw recordMissing(to, ctx.params.toObjectId ?? '');
    const types = await AssociationTypes.load(store);
    const definitions = specs.map((spec) => types.require(from.objectTypeId, to.objectTypeId, spec));
    await store.addAssociations(
      types.rows(
        { objectTypeId: from.objectTypeId, objectId: fromId },
        { objectTypeId: to.objectTypeId, objectId: toId },
        definitions,
      ),
    );
    return created(await labelsBetween(store, types, from, fromId, to, toId));
  });
}

/** PUT /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}: the unlabeled association. */
export async function associateDefaultRoute(ctx: RequestContext): Promise<Reply> {
  return ctx.store.transaction(async (store) => {
    const { from, to } = await pair(ctx);
    const types = await AssociationTypes.load(store);
    const { results, errors } = await associateDefaults(store, types, from, to, [
      { from: ctx.params.fromObjectId ?? '', to: ctx.params.toObjectId ?? '' },
    ]);
    if (errors[0]) throw errors[0];
    return batchReply(ctx, 200, results, []);
  });
}

/** Default associations for pairs of record ids; a pair whose records are missing is an error of its own. */
async function associateDefaults(
  store: SandboxStore,
  types: AssociationTypes,
  from: ObjectTypeRow,
  to: ObjectTypeRow,
  pairs: ReadonlyArray<{ from: string; to: string }>,
): Promise<{ results: unknown[]; errors: HubSpotError[] }> {
  const unlabeled = types.defaultBetween(from.objectTypeId, to.objectTypeId);
  if (!unlabeled)
    throw validationError(`Records of ${from.objectTypeId} cannot be associated with records of ${to.objectTypeId}.`);
  const fromIds = await existing(
    store,
    from.objectTypeId,
    pairs.map((p) => Number(p.from)),
  );
  const toIds = await existing(
    store,
    to.objectTypeId,
    pairs.map((p) => Number(p.to)),
  );
  const rows: AssociationWrite[] = [];
  const results: unknown[] = [];
  const errors: HubSpotError[] = [];
  for (const p of pairs) {
    if (!fromIds.has(Number(p.from))) errors.push(recordMissing(from, p.from));
    else if (!toIds.has(Number(p.to))) errors.push(recordMissing(to, p.to));
    else {
      rows.push(
        ...types.rows(
          { objectTypeId: from.objectTypeId, objectId: Number(p.from) },
          { objectTypeId: to.objectTypeId, objectId: Number(p.to) },
          [unlabeled],
        ),
      );
      results.push({
        from: { id: p.from },
        to: { id: p.to },
        associationSpec: { associationCategory: unlabeled.category, associationTypeId: unlabeled.typeId },
      });
    }
  }
  await store.addAssociations(rows);
  return { results, errors };
}

/** GET /crm/v4/objects/{from}/{fromId}/associations/{to}: the records associated, with their types; paged. */
export async function listRecordAssociationsRoute(ctx: RequestContext): Promise<Reply> {
  const from = await resolveObjectType(ctx.store, ctx.params.fromObjectType);
  const to = await resolveObjectType(ctx.store, ctx.params.toObjectType);
  const fromId = Number(ctx.params.fromObjectId);
  if (!(await existing(ctx.store, from.objectTypeId, [fromId])).has(fromId))
    throw recordMissing(from, ctx.params.fromObjectId ?? '');
  const limit = queryInteger(ctx, 'limit', 500, 500);
  const after = Number(queryString(ctx, 'after') ?? 0);
  const types = await AssociationTypes.load(ctx.store);
  const all = groupByTarget(
    await ctx.store.listAssociations(from.objectTypeId, [fromId], to.objectTypeId),
    types,
    from.objectTypeId,
  ).filter((r) => r.toObjectId > after);
  const page = all.slice(0, limit);
  const last = page[page.length - 1];
  return ok({
    results: page,
    ...(all.length > limit && last ? { paging: nextPage(ctx, String(last.toObjectId)) } : {}),
  });
}

/** DELETE /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}: every association between the two; 204. */
export async function removeAssociationsRoute(ctx: RequestContext): Promise<Reply> {
  await ctx.store.transaction(async (store) => {
    const { from, to } = await pair(ctx);
    await store.removeAssociations(
      { objectTypeId: from.objectTypeId, objectId: Number(ctx.params.fromObjectId) },
      { objectTypeId: to.objectTypeId, objectIds: [Number(ctx.params.toObjectId)] },
    );
  });
  return noContent();
}

// ---- Batch ----------------------------------------------------------------------------------------------------

const batchCreateSchema = z.object({
  inputs: z.array(
    z.object({ from: z.object({ id: numericId }), to: z.object({ id: numericId }), types: z.array(specSchema).min(1) }),
  ),
});
const batchDefaultSchema = z.object({
  inputs: z.array(z.object({ from: z.object({ id: numericId }), to: z.object({ id: numericId }) })),
});
const batchReadSchema = z.object({ inputs: z.array(z.object({ id: numericId, after: z.string().optional() })) });
const batchArchiveSchema = z.object({
  inputs: z.array(z.object({ from: z.object({ id: numericId }), to: z.array(z.object({ id: numericId })) })),
});
const batchLabelsArchiveSchema = batchCreateSchema;

/** POST .../batch/create: labeled associations; pairs with missing records or undefined types are listed as errors. */
export async function batchAssociateRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchCreateSchema, ctx.body);
  checkBatchSize(inputs);
  return ctx.store.transaction(async (store) => {
    const { from, to } = await pair(ctx);
    const types = await AssociationTypes.load(store);
    const fromIds = await existing(
      store,
      from.objectTypeId,
      inputs.map((i) => Number(i.from.id)),
    );
    const toIds = await existing(
      store,
      to.objectTypeId,
      inputs.map((i) => Number(i.to.id)),
    );
    const rows: AssociationWrite[] = [];
    const done: Array<{ fromId: number; toId: number }> = [];
    const errors: BatchItemError[] = [];
    for (const input of inputs) {
      const context = { fromObjectId: [input.from.id], toObjectId: [input.to.id] };
      try {
        if (!fromIds.has(Number(input.from.id))) throw recordMissing(from, input.from.id);
        if (!toIds.has(Number(input.to.id))) throw recordMissing(to, input.to.id);
        const definitions = input.types.map((spec) => types.require(from.objectTypeId, to.objectTypeId, spec));
        rows.push(
          ...types.rows(
            { objectTypeId: from.objectTypeId, objectId: Number(input.from.id) },
            { objectTypeId: to.objectTypeId, objectId: Number(input.to.id) },
            definitions,
          ),
        );
        done.push({ fromId: Number(input.from.id), toId: Number(input.to.id) });
      } catch (error) {
        if (!(error instanceof HubSpotError)) throw error;
        errors.push(error.toBatchItem(context));
      }
    }
    await store.addAssociations(rows);
    return batchReply(ctx, 201, await labelsOfPairs(store, types, from, to, done), errors);
  });
}

/** POST .../batch/associate/default: unlabeled associations for pairs of records. */
export async function batchAssociateDefaultRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchDefaultSchema, ctx.body);
  checkBatchSize(inputs);
  return ctx.store.transaction(async (store) => {
    const { from, to } = await pair(ctx);
    const types = await AssociationTypes.load(store);
    const { results, errors } = await associateDefaults(
      store,
      types,
      from,
      to,
      inputs.map((i) => ({ from: i.from.id, to: i.to.id })),
    );
    return batchReply(
      ctx,
      200,
      results,
      errors.map((e) => e.toBatchItem({})),
    );
  });
}

/**
 * POST .../batch/read: for each record, the records of the other type it is associated with. A record with none is
 * reported as an error of its own (207), as HubSpot does.
 */
export async function batchReadAssociationsRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchReadSchema, ctx.body);
  checkBatchSize(inputs);
  const { from, to } = await pair(ctx);
  const types = await AssociationTypes.load(ctx.store);
  const ids = inputs.map((i) => Number(i.id)).filter((id) => Number.isSafeInteger(id));
  const rows = await ctx.store.listAssociations(from.objectTypeId, ids, to.objectTypeId);
  const results = [];
  const errors: BatchItemError[] = [];
  for (const input of inputs) {
    const own = rows.filter((r) => r.fromObjectId === Number(input.id));
    if (own.length === 0) {
      errors.push(
        notFound(
          `No ${to.labels.singular.toLowerCase()} is associated with ${from.labels.singular.toLowerCase()} ${input.id}.`,
        ).toBatchItem({
          fromObjectId: [input.id],
        }),
      );
      continue;
    }
    results.push({ from: { id: input.id }, to: groupByTarget(own, types, from.objectTypeId) });
  }
  return batchReply(ctx, 200, results, errors);
}

/** POST .../batch/archive: removes every association between each record and the listed ones; 204. */
export async function batchRemoveAssociationsRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchArchiveSchema, ctx.body);
  checkBatchSize(inputs);
  await ctx.store.transaction(async (store) => {
    const { from, to } = await pair(ctx);
    for (const input of inputs) {
      await store.removeAssociations(
        { objectTypeId: from.objectTypeId, objectId: Number(input.from.id) },
        {
          objectTypeId: to.objectTypeId,
          objectIds: input.to.map((t) => Number(t.id)).filter((id) => Number.isSafeInteger(id)),
        },
      );
    }
  });
  return noContent();
}

/** POST .../batch/labels/archive: removes only the given types (and their inverses) between pairs; 204. */
export async function batchRemoveLabelsRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchLabelsArchiveSchema, ctx.body);
  checkBatchSize(inputs);
  await ctx.store.transaction(async (store) => {
    const { from, to } = await pair(ctx);
    const types = await AssociationTypes.load(store);
    for (const input of inputs) {
      const definitions = input.types.map((spec) => types.require(from.objectTypeId, to.objectTypeId, spec));
      await store.removeAssociations(
        { objectTypeId: from.objectTypeId, objectId: Number(input.from.id) },
        { objectTypeId: to.objectTypeId, objectIds: [Number(input.to.id)] },
        definitions,
      );
    }
  });
  return noContent();
}
