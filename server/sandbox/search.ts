import { z } from 'zod';
import { systemPropertyNames } from './catalog';
import { validationError } from './errors';
import { ok, parseBody, rawValue, type Reply, type RequestContext } from './http';
import { loadObjectType, type TypeContext } from './objectTypes';
import { propertiesToReturn, toApiObject } from './records';
import type { CompiledFilter, FilterOperator, ValueKind, ValueRef } from './store';
import { searchValue, valueKind } from './values';

/**
 * POST /crm/v3/objects/{objectType}/search, as documented in https://developers.hubspot.com/docs/api/crm/search:
 * filterGroups are ORed, the filters of a group ANDed; at most 5 groups, 6 filters a group and 18 filters in all;
 * one sort; `limit` up to 200; paging with `after`; at most 10,000 results reachable per query.
 */

const LIMITS = { groups: 5, filtersPerGroup: 6, filters: 18, pageSize: 200, reachable: 10_000, defaultPageSize: 10 };

const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const satisfies readonly FilterOperator[];

const filterSchema = z.object({
  propertyName: z.string(),
  operator: z.enum(OPERATORS),
  value: rawValue.optional(),
  highValue: rawValue.optional(),
  values: z.array(rawValue).optional(),
});

const sortSchema = z.union([
  z.string(),
  z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() }),
]);

const searchSchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(filterSchema) })).optional(),
  sorts: z.array(sortSchema).optional(),
  query: z.string().optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(0).optional(),
  after: z.union([z.string(), z.number()]).optional(),
});

/** Where a property's values live and how they compare: system properties are columns of the record. */
function refOf(type: TypeContext, name: string): { ref: ValueRef; kind: ValueKind } {
  const system = systemPropertyNames(type.type.objectTypeId);
  if (name === 'hs_object_id') return { ref: { column: 'object_id' }, kind: 'number' };
  if (name === system.created) return { ref: { column: 'created_at' }, kind: 'datetime' };
  if (name === system.modified) return { ref: { column: 'updated_at' }, kind: 'datetime' };
  const definition = type.properties.get(name);
  if (!definition)
    throw validationError(
      `There was a problem with the request: property ${name} does not exist on ${type.type.objectTypeId}.`,
    );
  return { ref: { property: name }, kind: valueKind(definition) };
}

function compileFilter(type: TypeContext, filter: z.infer<typeof filterSchema>): CompiledFilter {
  const { ref, kind } = refOf(type, filter.propertyName);
  const convert = (raw: z.infer<typeof rawValue> | undefined, what: string): string => {
    const value = raw === undefined ? undefined : searchValue(kind, raw);
    if (value === undefined)
      throw validationError(`Filter on ${filter.propertyName} with ${filter.operator} needs a valid ${what}.`);
    return value;
  };
  switch (filter.operator) {
    case 'HAS_PROPERTY':
    case 'NOT_HAS_PROPERTY':
      return { ref, kind, operator: filter.operator, values: [] };
    case 'IN':
    case 'NOT_IN':
      if (!filter.values || filter.values.length === 0)
        throw validationError(`${filter.operator} on ${filter.propertyName} needs values.`);
      return { ref, kind, operator: filter.operator, values: filter.values.map((v) => convert(v, 'value')) };
    case 'BETWEEN':
      return {
        ref,
        kind,
        operator: filter.operator,
        values: [convert(filter.value, 'value'), convert(filter.highValue, 'highValue')],
      };
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN':
      return { ref, kind: 'text', operator: filter.operator, values: [String(filter.value ?? '')] };
    default:
      return { ref, kind, operator: filter.operator, values: [convert(filter.value, 'value')] };
  }
}

export async function searchRoute(ctx: RequestContext): Promise<Reply> {
  const body = parseBody(searchSchema, ctx.body);
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  const groups = body.filterGroups ?? [];
  const filterCount = groups.reduce((n, g) => n + g.filters.length, 0);
  if (
    groups.length > LIMITS.groups ||
    groups.some((g) => g.filters.length > LIMITS.filtersPerGroup) ||
    filterCount > LIMITS.filters
  ) {
    throw validationError(
      `Too many filters: at most ${LIMITS.groups} filterGroups of at most ${LIMITS.filtersPerGroup} filters each, ${LIMITS.filters} filters in all.`,
    );
  }
  const limit = body.limit ?? LIMITS.defaultPageSize;
  if (limit > LIMITS.pageSize) throw validationError(`limit must be at most ${LIMITS.pageSize}, got ${limit}.`);
  const offset = body.after === undefined || body.after === '' ? 0 : Number(body.after);
  if (!Number.isSafeInteger(offset) || offset < 0) throw validationError(`Invalid after: ${String(body.after)}`);
  if (offset >= LIMITS.reachable) {
    throw validationError(
      `The search endpoints return at most ${LIMITS.reachable} results per query; page ${offset} is beyond them.`,
    );
  }
  if ((body.sorts?.length ?? 0) > 1) throw validationError('Only one sort is supported.');
  const sortSpec = body.sorts?.[0];
  const sort =
    sortSpec === undefined
      ? { ref: { column: 'object_id' } as ValueRef, kind: 'number' as ValueKind, descending: false }
      : typeof sortSpec === 'string'
        ? { ...refOf(type, sortSpec.replace(/^-/, '')), descending: sortSpec.startsWith('-') }
        : { ...refOf(type, sortSpec.propertyName), descending: sortSpec.direction === 'DESCENDING' };
  const { total, records } = await ctx.store.searchRecords(type.type.objectTypeId, {
    filterGroups: groups.filter((g) => g.filters.length > 0).map((g) => g.filters.map((f) => compileFilter(type, f))),
    ...(body.query ? { text: { value: body.query, properties: type.type.searchableProperties } } : {}),
    sort,
    limit: Math.min(limit, LIMITS.reachable - offset),
    offset,
  });
  const names = propertiesToReturn(type, body.properties);
  const nextOffset = offset + records.length;
  const more = records.length > 0 && nextOffset < total && nextOffset < LIMITS.reachable;
  return ok({
    total,
    results: records.map((r) => toApiObject(type, r, names)),
    ...(more ? { paging: { next: { after: String(nextOffset) } } } : {}),
  });
}
