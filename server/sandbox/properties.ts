import { z } from 'zod';
import { FIELD_TYPES_BY_TYPE, PROPERTY_TYPES, type PropertyDefinition, type PropertyOption } from './catalog';
import { HubSpotError, notFound, validationError, type BatchItemError } from './errors';
import { batchReply, created, noContent, ok, parseBody, queryBoolean, type Reply, type RequestContext } from './http';
import { loadObjectType, type TypeContext } from './objectTypes';
import type { SandboxStore, StoredGroup, StoredProperty } from './store';

/**
 * The properties API: https://developers.hubspot.com/docs/api/crm/properties
 * (GET/POST /crm/v3/properties/{objectType}, GET/PATCH/DELETE .../{propertyName}, batch/create, batch/read, groups).
 */

const optionSchema = z.object({
  label: z.string(),
  value: z.string(),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
});

const propertyFields = {
  label: z.string().min(1),
  type: z.enum(PROPERTY_TYPES),
  fieldType: z.string().min(1),
  groupName: z.string().min(1),
  description: z.string().optional(),
  options: z.array(optionSchema).optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  calculationFormula: z.string().optional(),
  externalOptions: z.boolean().optional(),
  referencedObjectType: z.string().optional(),
  numberDisplayHint: z.string().optional(),
  textDisplayHint: z.string().optional(),
  showCurrencySymbol: z.boolean().optional(),
};

export const propertyCreateSchema = z.object({
  name: z.string().min(1),
  hasUniqueValue: z.boolean().optional(),
  ...propertyFields,
});
/** In a custom object schema the group may be left out: the object's own group is used. */
export const schemaPropertyCreateSchema = propertyCreateSchema.extend({ groupName: z.string().min(1).optional() });
const propertyUpdateSchema = z.object(propertyFields).partial();

export type PropertyCreate = z.infer<typeof propertyCreateSchema>;

/** HubSpot caps unique value properties: "up to ten unique value properties per object"
 * (https://knowledge.hubspot.com/properties/create-and-edit-properties#require-unique-values-for-a-property). */
const MAX_UNIQUE_PROPERTIES = 10;

/** Property names are lowercase letters, digits and underscores, starting with a letter. */
const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;

function toOptions(options: PropertyCreate['options']): PropertyOption[] {
  return (options ?? []).map((o, i) => ({
    label: o.label,
    value: o.value,
    ...(o.description !== undefined ? { description: o.description } : {}),
    displayOrder: o.displayOrder ?? i,
    hidden: o.hidden ?? false,
  }));
}

/** Checks what HubSpot checks of a definition: the type/fieldType pair, options, unique values. */
function checkDefinition(definition: PropertyDefinition, objectTypeId: string): void {
  const allowed: readonly string[] = FIELD_TYPES_BY_TYPE[definition.type];
  if (!allowed.includes(definition.fieldType)) {
    throw validationError(
      `Property ${definition.name}: fieldType ${definition.fieldType} is not valid for type ${definition.type}; use one of ${allowed.join(', ')}.`,
    );
  }
  if (definition.type === 'enumeration' && !definition.externalOptions && definition.options.length === 0) {
    throw validationError(`Property ${definition.name}: enumeration properties need options.`);
  }
  if (definition.type !== 'enumeration' && definition.type !== 'bool' && definition.options.length > 0) {
    throw validationError(`Property ${definition.name}: options are only allowed on enumeration and bool properties.`);
  }
  // Message modelled on HubSpot's "Property option labels must be unique. For the property 'industry' of object
  // type '0-2' these labels are duplicated: ..." (seen from the properties API).
  for (const field of ['label', 'value'] as const) {
    const seen = new Set<string>();
    const duplicated = definition.options
      .map((o) => o[field])
      .filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
    if (duplicated.length > 0) {
      throw validationError(
        `Property option ${field}s must be unique. For the property '${definition.name}' of object type '${objectTypeId}' these ${field}s are duplicated: ${[...new Set(duplicated)].join(', ')}`,
      );
    }
  }
  if (
    definition.hasUniqueValue &&
    !(definition.type === 'number' || (definition.type === 'string' && definition.fieldType === 'text'))
  ) {
    throw validationError(
      `Property ${definition.name}: only single-line text and number properties can require unique values.`,
    );
  }
}

/** A new custom property's definition from a create request, checked. */
export function newPropertyDefinition(input: PropertyCreate, objectTypeId: string): PropertyDefinition {
  if (!PROPERTY_NAME.test(input.name)) {
    throw validationError(
      `Property name ${input.name} is invalid: it must start with a lowercase letter and hold only lowercase letters, digits and underscores.`,
    );
  }
  const definition: PropertyDefinition = {
    name: input.name,
    label: input.label,
    type: input.type,
    fieldType: input.fieldType,
    groupName: input.groupName,
    description: input.description ?? '',
    options: toOptions(input.options),
    displayOrder: input.displayOrder ?? -1,
    hasUniqueValue: input.hasUniqueValue ?? false,
    hidden: input.hidden ?? false,
    formField: input.formField ?? false,
    calculated: input.fieldType === 'calculation_equation',
    externalOptions: input.externalOptions ?? false,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false, readOnlyOptions: false },
    ...(input.referencedObjectType !== undefined ? { referencedObjectType: input.referencedObjectType } : {}),
    ...(input.numberDisplayHint !== undefined ? { numberDisplayHint: input.numberDisplayHint } : {}),
    ...(input.textDisplayHint !== undefined ? { textDisplayHint: input.textDisplayHint } : {}),
    ...(input.showCurrencySymbol !== undefined ? { showCurrencySymbol: input.showCurrencySymbol } : {}),
    // A "HubSpot user" property: its options are the portal's owners, as for hubspot_owner_id, so a write of anything
    // but an owner id is refused as HubSpot refuses it
    // (https://developers.hubspot.com/changelog/updating-objects-by-custom-field-and-adding-owner-properties-via-the-api).
    ...(input.type === 'enumeration' && input.externalOptions === true && input.referencedObjectType === 'OWNER' ? { optionsFrom: 'owners' as const } : {}),
  };
  checkDefinition(definition, objectTypeId);
  return definition;
}

/** A property as the API returns it: internal fields dropped, timestamps as ISO strings. */
export function toApiProperty(property: StoredProperty) {
  const { optionsFrom: _internal, archivedAt, createdAt, updatedAt, ...rest } = property;
  return {
    ...rest,
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    ...(archivedAt ? { archivedAt: archivedAt.toISOString() } : {}),
  };
}

const toApiGroup = (group: StoredGroup) => ({
  name: group.name,
  label: group.label,
  displayOrder: group.displayOrder,
  archived: group.archived,
});

/** "Property named 'x' already exists." with category OBJECT_ALREADY_EXISTS, HubSpot's 409 for a taken name. */
const propertyExists = (name: string) =>
  new HubSpotError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${name}' already exists.`);

/**
 * Creates properties after checking them against what exists: taken names (archived ones too), unknown groups and
 * the cap on unique value properties. Used by the properties API and by custom object schema creation.
 */
export async function createProperties(
  store: SandboxStore,
  objectTypeId: string,
  definitions: readonly PropertyDefinition[],
): Promise<void> {
  const existing = await store.listProperties(objectTypeId);
  const archived = await store.listProperties(objectTypeId, { archived: true });
  const taken = new Set([...existing, ...archived].map((p) => p.name));
  const groups = new Set((await store.listGroups(objectTypeId)).map((g) => g.name));
  let unique = existing.filter((p) => p.hasUniqueValue).length;
  for (const definition of definitions) {
    if (taken.has(definition.name)) throw propertyExists(definition.name);
    taken.add(definition.name);
    if (!groups.has(definition.groupName))
      throw validationError(`Property group ${definition.groupName} does not exist.`);
    if (definition.hasUniqueValue && ++unique > MAX_UNIQUE_PROPERTIES) {
      throw validationError(`An object can have at most ${MAX_UNIQUE_PROPERTIES} unique value properties.`);
    }
  }
  await store.insertProperties(objectTypeId, definitions);
}

function requireProperty(type: TypeContext, name: string): StoredProperty {
  const property = type.properties.get(name);
  if (!property) throw notFound(`Unable to find property ${name} on object type ${type.type.objectTypeId}.`);
  return property;
}

export async function listPropertiesRoute(ctx: RequestContext): Promise<Reply> {
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  const properties = await ctx.store.listProperties(type.type.objectTypeId, {
    archived: queryBoolean(ctx, 'archived'),
  });
  return ok({ results: properties.map(toApiProperty) });
}

export async function createPropertyRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(propertyCreateSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const definition = newPropertyDefinition(input, type.type.objectTypeId);
    await createProperties(store, type.type.objectTypeId, [definition]);
    const saved = await store.getProperty(type.type.objectTypeId, definition.name);
    return created(saved && toApiProperty(saved));
  });
}

export async function getPropertyRoute(ctx: RequestContext): Promise<Reply> {
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  return ok(toApiProperty(requireProperty(type, ctx.params.propertyName ?? '')));
}

export async function updatePropertyRoute(ctx: RequestContext): Promise<Reply> {
  const changes = parseBody(propertyUpdateSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const current = requireProperty(type, ctx.params.propertyName ?? '');
    if (current.modificationMetadata.readOnlyDefinition) {
      throw validationError(`Property ${current.name} is defined by HubSpot and its definition cannot be changed.`);
    }
    const { archived: _a, archivedAt: _b, createdAt: _c, updatedAt: _d, ...definition } = current;
    const next: PropertyDefinition = {
      ...definition,
      ...(changes.label !== undefined ? { label: changes.label } : {}),
      ...(changes.type !== undefined ? { type: changes.type } : {}),
      ...(changes.fieldType !== undefined ? { fieldType: changes.fieldType } : {}),
      ...(changes.groupName !== undefined ? { groupName: changes.groupName } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.options !== undefined ? { options: toOptions(changes.options) } : {}),
      ...(changes.displayOrder !== undefined ? { displayOrder: changes.displayOrder } : {}),
      ...(changes.hidden !== undefined ? { hidden: changes.hidden } : {}),
      ...(changes.formField !== undefined ? { formField: changes.formField } : {}),
    };
    checkDefinition(next, type.type.objectTypeId);
    if (!(await store.getGroup(type.type.objectTypeId, next.groupName))) {
      throw validationError(`Property group ${next.groupName} does not exist.`);
    }
    await store.updateProperty(type.type.objectTypeId, next);
    const saved = await store.getProperty(type.type.objectTypeId, next.name);
    return ok(saved && toApiProperty(saved));
  });
}

export async function archivePropertyRoute(ctx: RequestContext): Promise<Reply> {
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const current = requireProperty(type, ctx.params.propertyName ?? '');
    if (!current.modificationMetadata.archivable) {
      throw validationError(`Property ${current.name} is defined by HubSpot and cannot be archived.`);
    }
    await store.archiveProperty(type.type.objectTypeId, current.name);
    return noContent();
  });
}

const batchCreateSchema = z.object({ inputs: z.array(propertyCreateSchema) });

/**
 * POST batch/create: properties that can be created are, the others are listed in errors with a 207
 * (BatchResponseProperty(WithErrors) in https://developers.hubspot.com/docs/api/crm/properties).
 */
export async function batchCreatePropertiesRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs } = parseBody(batchCreateSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const errors: BatchItemError[] = [];
    const results = [];
    for (const input of inputs) {
      try {
        await createProperties(store, type.type.objectTypeId, [newPropertyDefinition(input, type.type.objectTypeId)]);
        const saved = await store.getProperty(type.type.objectTypeId, input.name);
        if (saved) results.push(toApiProperty(saved));
      } catch (error) {
        if (!(error instanceof HubSpotError)) throw error;
        errors.push(error.toBatchItem({ name: [input.name] }));
      }
    }
    return batchReply(ctx, 201, results, errors);
  });
}

const batchReadSchema = z.object({ inputs: z.array(z.object({ name: z.string() })), archived: z.boolean().optional() });

export async function batchReadPropertiesRoute(ctx: RequestContext): Promise<Reply> {
  const { inputs, archived } = parseBody(batchReadSchema, ctx.body);
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  const all = await ctx.store.listProperties(type.type.objectTypeId, { archived: archived ?? false });
  const byName = new Map(all.map((p) => [p.name, p]));
  const found = inputs.map((i) => byName.get(i.name)).filter((p): p is StoredProperty => p !== undefined);
  const missing = inputs.map((i) => i.name).filter((name) => !byName.has(name));
  const errors =
    missing.length > 0
      ? [notFound(`Unable to find properties ${missing.join(', ')}.`).toBatchItem({ names: missing })]
      : [];
  return batchReply(ctx, 200, found.map(toApiProperty), errors);
}

const groupCreateSchema = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  displayOrder: z.number().int().optional(),
});
const groupUpdateSchema = z.object({ label: z.string().min(1).optional(), displayOrder: z.number().int().optional() });

export async function listGroupsRoute(ctx: RequestContext): Promise<Reply> {
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  return ok({ results: (await ctx.store.listGroups(type.type.objectTypeId)).map(toApiGroup) });
}

export async function createGroupRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(groupCreateSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    if (await store.getGroup(type.type.objectTypeId, input.name)) {
      throw new HubSpotError(409, 'OBJECT_ALREADY_EXISTS', `Property group named '${input.name}' already exists.`);
    }
    const group = { name: input.name, label: input.label, displayOrder: input.displayOrder ?? -1 };
    await store.insertGroup(type.type.objectTypeId, group);
    return created(toApiGroup({ ...group, archived: false }));
  });
}

async function requireGroup(store: SandboxStore, objectTypeId: string, name: string): Promise<StoredGroup> {
  const group = await store.getGroup(objectTypeId, name);
  if (!group || group.archived) throw notFound(`Unable to find property group ${name} on object type ${objectTypeId}.`);
  return group;
}

export async function getGroupRoute(ctx: RequestContext): Promise<Reply> {
  const type = await loadObjectType(ctx.store, ctx.params.objectType);
  return ok(toApiGroup(await requireGroup(ctx.store, type.type.objectTypeId, ctx.params.groupName ?? '')));
}

export async function updateGroupRoute(ctx: RequestContext): Promise<Reply> {
  const changes = parseBody(groupUpdateSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await loadObjectType(store, ctx.params.objectType);
    const current = await requireGroup(store, type.type.objectTypeId, ctx.params.groupName ?? '');
    const next = { ...current, ...changes };
    await store.updateGroup(type.type.objectTypeId, next);
    return ok(toApiGroup(next));
  });
}
