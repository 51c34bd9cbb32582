import { z } from 'zod';
import { createAssociationTypePair } from './associationTypes';
import { customObjectDefaultProperties, STANDARD_OBJECTS, type AssociationTypeDefinition } from './catalog';
import { HubSpotError, notFound, validationError } from './errors';
import { created, ok, parseBody, queryBoolean, type Reply, type RequestContext } from './http';
import { createProperties, newPropertyDefinition, schemaPropertyCreateSchema, toApiProperty } from './properties';
import type { ObjectTypeRow, SandboxStore, StoredProperty } from './store';

/**
 * Object types and the custom object schemas API: https://developers.hubspot.com/docs/api/crm/crm-custom-objects
 * (GET/POST /crm-object-schemas/v3/schemas, GET/PATCH .../{objectType}, POST .../{objectType}/associations).
 */

/** An object type with its live property definitions: what every records, properties or pipelines call needs. */
export interface TypeContext {
  type: ObjectTypeRow;
  properties: Map<string, StoredProperty>;
}

/**
 * The object type a path names, or HubSpot's 400 for a name it cannot resolve
 * ("Unable to infer object type from: ...").
 */
export async function resolveObjectType(store: SandboxStore, reference: string | undefined): Promise<ObjectTypeRow> {
  const type = reference ? await store.findObjectType(reference) : undefined;
  if (!type) throw validationError(`Unable to infer object type from: ${reference ?? ''}`);
  return type;
}

export async function loadObjectType(store: SandboxStore, reference: string | undefined): Promise<TypeContext> {
  const type = await resolveObjectType(store, reference);
  const properties = await store.listProperties(type.objectTypeId);
  return { type, properties: new Map(properties.map((p) => [p.name, p])) };
}

/** The name HubSpot gives the association definitions of a custom object, e.g. REFERRAL_TO_COMPANY. */
function definitionName(from: ObjectTypeRow, to: ObjectTypeRow): string {
  const singular = (t: ObjectTypeRow) =>
    t.custom ? t.name : (STANDARD_OBJECTS.find((s) => s.objectTypeId === t.objectTypeId)?.singular ?? t.name);
  return `${singular(from)}_to_${singular(to)}`.toUpperCase();
}

function toApiAssociationDefinition(t: AssociationTypeDefinition, at: Date) {
  return {
    id: String(t.typeId),
    fromObjectTypeId: t.fromObjectTypeId,
    toObjectTypeId: t.toObjectTypeId,
    ...(t.name ? { name: t.name } : {}),
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
  };
}

/** ObjectTypeDefinition: the schema without its properties and associations (PATCH's answer). */
function toApiDefinition(type: ObjectTypeRow, portalId: number) {
  return {
    id: type.objectTypeId.split('-')[1] ?? type.objectTypeId,
    objectTypeId: type.objectTypeId,
    name: type.name,
    fullyQualifiedName: type.fullyQualifiedName,
    labels: type.labels,
    ...(type.description ? { description: type.description } : {}),
    ...(type.primaryDisplayProperty ? { primaryDisplayProperty: type.primaryDisplayProperty } : {}),
    secondaryDisplayProperties: type.secondaryDisplayProperties,
    searchableProperties: type.searchableProperties,
    requiredProperties: type.requiredProperties,
    portalId,
    archived: type.archived,
    createdAt: type.createdAt.toISOString(),
    updatedAt: type.updatedAt.toISOString(),
  };
}

/** ObjectSchema: the definition with its properties and the association definitions it takes part in. */
async function toApiSchema(store: SandboxStore, type: ObjectTypeRow) {
  const properties = await store.listProperties(type.objectTypeId);
  const associations = (await store.listAssociationTypes()).filter(
    (t) => t.label === null && (t.fromObjectTypeId === type.objectTypeId || t.toObjectTypeId === type.objectTypeId),
  );
  return {
    ...toApiDefinition(type, store.portalId),
    properties: properties.map(toApiProperty),
    associations: associations.map((t) => toApiAssociationDefinition(t, type.createdAt)),
  };
}

const labelsSchema = z.object({ singular: z.string().min(1), plural: z.string().min(1) });

/** ObjectSchemaEgg (https://developers.hubspot.com/docs/api/crm/crm-custom-objects#create-a-custom-object). */
const schemaCreateSchema = z.object({
  // "The name can only contain letters, numbers, and underscores, and must start with a letter."
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must start with a letter and hold only letters, digits and underscores'),
  labels: labelsSchema,
  description: z.string().optional(),
  primaryDisplayProperty: z.string().optional(),
  secondaryDisplayProperties: z.array(z.string()).optional(),
  searchableProperties: z.array(z.string()).optional(),
  requiredProperties: z.array(z.string()),
  properties: z.array(schemaPropertyCreateSchema),
  associatedObjects: z.array(z.string()),
});

const schemaPatchSchema = z.object({
  labels: labelsSchema.optional(),
  description: z.string().optional(),
  clearDescription: z.boolean().optional(),
  primaryDisplayProperty: z.string().optional(),
  secondaryDisplayProperties: z.array(z.string()).optional(),
  searchableProperties: z.array(z.string()).optional(),
  requiredProperties: z.array(z.string()).optional(),
  restorable: z.boolean().optional(),
});

/** Every property a schema names (display, search, required) must be one of the object's properties. */
function checkNamedProperties(
  names: {
    primaryDisplayProperty?: string | null;
    secondaryDisplayProperties: string[];
    searchableProperties: string[];
    requiredProperties: string[];
  },
  known: ReadonlySet<string>,
): void {
  const named = [
    ...(names.primaryDisplayProperty ? [names.primaryDisplayProperty] : []),
    ...names.secondaryDisplayProperties,
    ...names.searchableProperties,
    ...names.requiredProperties,
  ];
  const unknown = named.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw validationError(`Properties ${[...new Set(unknown)].join(', ')} are not defined on this object.`);
}

export async function listSchemasRoute(ctx: RequestContext): Promise<Reply> {
  const archived = queryBoolean(ctx, 'archived');
  const types = (await ctx.store.listObjectTypes()).filter((t) => t.custom && t.archived === archived);
  const results = [];
  for (const type of types) results.push(await toApiSchema(ctx.store, type));
  return ok({ results });
}

export async function getSchemaRoute(ctx: RequestContext): Promise<Reply> {
  const type = await ctx.store.findObjectType(ctx.params.objectType ?? '');
  if (!type) throw notFound(`Unable to find object type ${ctx.params.objectType ?? ''}.`);
  return ok(await toApiSchema(ctx.store, type));
}

/**
 * POST /crm-object-schemas/v3/schemas: a new custom object "2-N" named p{portalId}_{name}, with its properties,
 * HubSpot's default properties, its own property group and an association definition (both directions) with each of
 * associatedObjects. Custom objects start with no pipeline. Only associatedObjects get definitions: HubSpot's schema
 * documentation (https://developers.hubspot.com/docs/api/crm/crm-custom-objects) names no others, so none are made
 * with activities (tasks, notes) either; they are added like any other, with POST .../{objectType}/associations.
 */
export async function createSchemaRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(schemaCreateSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const existing = await store.listObjectTypes();
    if (existing.some((t) => t.name.toLowerCase() === input.name.toLowerCase())) {
      throw new HubSpotError(409, 'CONFLICT', `An object type with the name ${input.name} already exists.`);
    }
    const associated: ObjectTypeRow[] = [];
    for (const reference of input.associatedObjects) {
      const target = await store.findObjectType(reference);
      if (!target) throw validationError(`Unable to infer object type from: ${reference}`);
      if (!associated.some((t) => t.objectTypeId === target.objectTypeId)) associated.push(target);
    }
    const [number] = await store.nextIds('objectType', 1);
    const objectTypeId = `2-${number}`;
    const group = {
      name: `${input.name.toLowerCase()}_information`,
      label: `${input.labels.singular} information`,
      displayOrder: -1,
    };
    const own = input.properties.map((p) =>
      newPropertyDefinition({ ...p, groupName: p.groupName ?? group.name }, objectTypeId),
    );
    const defaults = customObjectDefaultProperties(objectTypeId, group.name).filter(
      (d) => !own.some((p) => p.name === d.name),
    );
    checkNamedProperties(
      {
        primaryDisplayProperty: input.primaryDisplayProperty ?? null,
        secondaryDisplayProperties: input.secondaryDisplayProperties ?? [],
        searchableProperties: input.searchableProperties ?? [],
        requiredProperties: input.requiredProperties,
      },
      new Set([...own, ...defaults].map((p) => p.name)),
    );
    const row = {
      objectTypeId,
      name: input.name,
      fullyQualifiedName: `p${store.portalId}_${input.name}`,
      custom: true,
      labels: input.labels,
      description: input.description ?? null,
      primaryDisplayProperty: input.primaryDisplayProperty ?? null,
      secondaryDisplayProperties: input.secondaryDisplayProperties ?? [],
      searchableProperties: input.searchableProperties ?? [],
      requiredProperties: input.requiredProperties,
    };
    await store.insertObjectType(row);
    await store.insertGroup(objectTypeId, group);
    await createProperties(store, objectTypeId, [...defaults, ...own]);
    const self = await resolveObjectType(store, objectTypeId);
    for (const target of associated) {
      await createAssociationTypePair(store, {
        from: objectTypeId,
        to: target.objectTypeId,
        name: definitionName(self, target),
        inverseName: definitionName(target, self),
        label: null,
      });
    }
    return created(await toApiSchema(store, self));
  });
}

export async function updateSchemaRoute(ctx: RequestContext): Promise<Reply> {
  const changes = parseBody(schemaPatchSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await resolveObjectType(store, ctx.params.objectType);
    if (!type.custom)
      throw validationError(
        `Object type ${type.objectTypeId} is a standard object; only custom object schemas can be updated.`,
      );
    const next = {
      labels: changes.labels ?? type.labels,
      description: changes.clearDescription ? null : (changes.description ?? type.description),
      primaryDisplayProperty: changes.primaryDisplayProperty ?? type.primaryDisplayProperty,
      secondaryDisplayProperties: changes.secondaryDisplayProperties ?? type.secondaryDisplayProperties,
      searchableProperties: changes.searchableProperties ?? type.searchableProperties,
      requiredProperties: changes.requiredProperties ?? type.requiredProperties,
    };
    checkNamedProperties(next, new Set((await store.listProperties(type.objectTypeId)).map((p) => p.name)));
    await store.updateObjectType(type.objectTypeId, next);
    return ok(toApiDefinition(await resolveObjectType(store, type.objectTypeId), store.portalId));
  });
}

const associationDefinitionSchema = z.object({
  fromObjectTypeId: z.string(),
  toObjectTypeId: z.string(),
  name: z.string().optional(),
});

/** POST .../schemas/{objectType}/associations: a new (unlabeled) association definition, both directions. */
export async function createSchemaAssociationRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(associationDefinitionSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    await resolveObjectType(store, ctx.params.objectType);
    const from = await resolveObjectType(store, input.fromObjectTypeId);
    const to = await resolveObjectType(store, input.toObjectTypeId);
    const [forward] = await createAssociationTypePair(store, {
      from: from.objectTypeId,
      to: to.objectTypeId,
      name: input.name ?? definitionName(from, to),
      inverseName: input.name ?? definitionName(to, from),
      label: null,
    });
    return created(toApiAssociationDefinition(forward, ctx.receivedAt));
  });
}
