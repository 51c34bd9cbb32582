import { z } from 'zod';
import { defaultNonAdmitVocabulary, type NonAdmitVocabulary } from '../domain/nonAdmitReasons';
import {
  createAssociationLabel,
  createObjectSchema,
  createPipeline,
  createPipelineStage,
  createProperties,
  createPropertyGroup,
  createSchemaAssociation,
  listAssociationLabels,
  listObjectSchemas,
  listPipelines,
  listProperties,
  listPropertyGroups,
  updateObjectSchema,
  updateProperty,
  type AssociationLabel,
  type HubSpotObjectSchema,
  type ObjectSchemaDefinition,
  type PropertyDefinition,
} from './api';
import type { HubSpot } from './client';
import {
  PROPERTY_GROUP,
  REFERRAL_PIPELINE_LABEL,
  TASK_TO_COMPANY_TYPE_ID,
  TASK_TO_CONTACT_TYPE_ID,
  admissionObject,
  associationLabels,
  noLongerRequired,
  nonAdmitReasonProperty,
  referralObjectFor,
  referralPipelineStages,
  standardObjectProperties,
} from './dataModel';

/** Standard object type ids: https://developers.hubspot.com/docs/guides/crm/understanding-the-crm#object-type-ids */
const STANDARD_TYPE_IDS: Record<string, string> = { COMPANY: '0-2', CONTACT: '0-1', companies: '0-2', contacts: '0-1' };

export interface ProvisionChange {
  action: 'created' | 'completed';
  target: string;
}

/** Where things are in the portal, saved per tenant so the sync need not ask again. */
export const dataModelSchema = z.object({
  referralObjectTypeId: z.string(),
  admissionObjectTypeId: z.string(),
  referralPipelineId: z.string(),
  /** Pipeline stage id for each referral status. */
  referralStageIds: z.record(z.string(), z.string()),
  /**
   * Association type ids by key: the USER_DEFINED labels (associationLabels in dataModel.ts), and the types a
   * follow-up task is created with: task_to_company, task_to_contact, task_to_referral.
   */
  associationTypeIds: z.record(z.string(), z.number()),
  /**
   * The category of each type in associationTypeIds, which HubSpot wants beside the id. Absent in models saved before
   * tasks, whose types were all USER_DEFINED labels: read it with associationCategoryOf.
   */
  associationCategories: z.record(z.string(), z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED'])).optional(),
});

export type DataModel = z.infer<typeof dataModelSchema>;
export type AssociationCategory = 'HUBSPOT_DEFINED' | 'USER_DEFINED';

/** The category to send with associationTypeIds[key]. */
export function associationCategoryOf(model: DataModel, key: string): AssociationCategory {
  return model.associationCategories?.[key] ?? 'USER_DEFINED';
}

export interface ProvisionResult {
  changes: ProvisionChange[];
  /** Things provisioning found in the portal and left alone because changing them could break someone's work. */
  warnings: string[];
  /** HubSpot calls that changed something (0 when the portal was already complete). */
  writeCalls: number;
  model: DataModel;
}

/** What provisioning takes from the tenant's settings. */
export interface ProvisionOptions {
  /** The tenant's non-admit reasons (tenant settings): rlx_non_admit_reason's options. Default Referralynx's list. */
  nonAdmitReasons?: NonAdmitVocabulary;
}

/**
 * Creates or completes Referralynx's data model in a portal: custom objects, property group, properties, referral
 * intake pipeline, association labels, the scorecard properties on companies and contacts, and the follow-up key and
 * rule properties on tasks with the association types tasks are created with. Never deletes;
 * never rewrites a label, description or option that a person edited; a second run makes no write calls.
 */
export async function provisionDataModel(hubspot: HubSpot, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const referralObject = referralObjectFor(options.nonAdmitReasons ?? defaultNonAdmitVocabulary);
  const writesBefore = hubspot.stats().writes;
  const changes: ProvisionChange[] = [];
  const warnings: string[] = [];
  const note = (action: ProvisionChange['action'], target: string) => changes.push({ action, target });

  const schemas = await listObjectSchemas(hubspot);
  const { schema: referral, created: newReferral } = await ensureObjectSchema(hubspot, schemas, referralObject, note);
  const { schema: admission, created: newAdmission } = await ensureObjectSchema(hubspot, schemas, admissionObject, note);
  await ensureSchemaAssociation(hubspot, admission, referral.objectTypeId, 'rlx_admission_to_referral', note, {
    [referral.objectTypeId]: 'Referral',
  });

  const objectTypes: Array<{ objectType: string; label: string; properties: readonly PropertyDefinition[]; isNew: boolean }> = [
    { objectType: referral.objectTypeId, label: 'Referral', properties: referralObject.properties, isNew: newReferral },
    { objectType: admission.objectTypeId, label: 'Admission', properties: admissionObject.properties, isNew: newAdmission },
    ...standardObjectProperties.map((entry) => ({ ...entry, label: entry.objectType, isNew: false })),
  ];
  for (const { objectType, label, properties, isNew } of objectTypes) {
    await ensurePropertyGroup(hubspot, objectType, label, note);
    await ensureProperties(hubspot, objectType, label, properties, isNew, note, warnings);
  }

  await ensureSchemaDisplay(hubspot, referral, referralObject, note);
  await ensureSchemaDisplay(hubspot, admission, admissionObject, note);
  await dropRequiredFlags(hubspot, referral, referralObject, note);

  const pipeline = await ensureReferralPipeline(hubspot, referral.objectTypeId, note);

  const typeIds: Record<string, string> = {
    referral: referral.objectTypeId,
    admission: admission.objectTypeId,
    companies: '0-2',
    contacts: '0-1',
  };
  const associationTypeIds: Record<string, number> = {};
  const associationCategories: Record<string, AssociationCategory> = {};
  for (const definition of associationLabels) {
    const from = typeIds[definition.from] ?? definition.from;
    const to = typeIds[definition.to] ?? definition.to;
    associationTypeIds[definition.key] = await ensureAssociationLabel(hubspot, from, to, definition, note);
    associationCategories[definition.key] = 'USER_DEFINED';
  }
  const taskTypes = {
    task_to_company: { typeId: TASK_TO_COMPANY_TYPE_ID, category: 'HUBSPOT_DEFINED' as const },
    task_to_contact: { typeId: TASK_TO_CONTACT_TYPE_ID, category: 'HUBSPOT_DEFINED' as const },
    task_to_referral: await ensureTaskAssociation(hubspot, referral, note),
  };
  for (const [key, type] of Object.entries(taskTypes)) {
    associationTypeIds[key] = type.typeId;
    associationCategories[key] = type.category;
  }

  return {
    changes,
    warnings,
    writeCalls: hubspot.stats().writes - writesBefore,
    model: {
      referralObjectTypeId: referral.objectTypeId,
      admissionObjectTypeId: admission.objectTypeId,
      referralPipelineId: pipeline.id,
      referralStageIds: pipeline.stageIds,
      associationTypeIds,
      associationCategories,
    },
  };
}

type Note = (action: ProvisionChange['action'], target: string) => void;

/**
 * Gives the Referral's rlx_non_admit_reason every reason of the tenant's list as an option, as provisionDataModel does
 * and nothing else: the reasons missing are appended, labels a person edited in HubSpot stay (a reworded label is the
 * cards' and the tasks', HubSpot's is changed by hand), and no option is removed (records may still carry it).
 * Called before a changed list is saved, so that no record is written with a reason HubSpot would refuse.
 */
export async function provisionNonAdmitReasons(
  hubspot: HubSpot,
  referralObjectTypeId: string,
  nonAdmitReasons: NonAdmitVocabulary,
): Promise<Pick<ProvisionResult, 'changes' | 'warnings' | 'writeCalls'>> {
  const writesBefore = hubspot.stats().writes;
  const changes: ProvisionChange[] = [];
  const warnings: string[] = [];
  const note: Note = (action, target) => changes.push({ action, target });
  await ensureProperties(hubspot, referralObjectTypeId, 'Referral', [nonAdmitReasonProperty(nonAdmitReasons)], false, note, warnings);
  return { changes, warnings, writeCalls: hubspot.stats().writes - writesBefore };
}

function findSchema(schemas: HubSpotObjectSchema[], name: string): HubSpotObjectSchema | undefined {
  return schemas.find((s) => !s.archived && (s.name === name || s.fullyQualifiedName?.endsWith(`_${name}`)));
}

/**
 * A new object is created with only its required properties (they must exist at creation); the others are added
 * by ensureProperties into the Referralynx group, the same path that completes an existing object.
 */
async function ensureObjectSchema(
  hubspot: HubSpot,
  schemas: HubSpotObjectSchema[],
  definition: ObjectSchemaDefinition,
  note: Note,
): Promise<{ schema: HubSpotObjectSchema; created: boolean }> {
  const label = definition.labels.singular;
  let schema = findSchema(schemas, definition.name);
  const created = !schema;
  if (!schema) {
    const required = new Set(definition.requiredProperties);
    schema = await createObjectSchema(hubspot, {
      ...definition,
      properties: definition.properties
        .filter((p) => required.has(p.name))
        .map(({ groupName: _group, ...property }) => property),
      searchableProperties: definition.searchableProperties.filter((name) => required.has(name)),
      secondaryDisplayProperties: [],
    });
    note('created', `custom object ${label} (${schema.objectTypeId})`);
  }
  for (const target of definition.associatedObjects) {
    const toId = STANDARD_TYPE_IDS[target] ?? target;
    await ensureSchemaAssociation(hubspot, schema, toId, `${definition.name}_to_${target.toLowerCase()}`, note);
  }
  return { schema, created };
}

async function ensureSchemaAssociation(
  hubspot: HubSpot,
  schema: HubSpotObjectSchema,
  toObjectTypeId: string,
  name: string,
  note: Note,
  typeNames: Record<string, string> = { '0-1': 'contacts', '0-2': 'companies' },
): Promise<void> {
  const exists = (schema.associations ?? []).some(
    (a) =>
      (a.fromObjectTypeId === schema.objectTypeId && a.toObjectTypeId === toObjectTypeId) ||
      (a.toObjectTypeId === schema.objectTypeId && a.fromObjectTypeId === toObjectTypeId),
  );
  if (exists) return;
  const created = await createSchemaAssociation(hubspot, schema.objectTypeId, toObjectTypeId, name);
  schema.associations = [
    ...(schema.associations ?? []),
    { id: created.id, fromObjectTypeId: schema.objectTypeId, toObjectTypeId, name },
  ];
  note('created', `association ${schema.labels?.singular ?? schema.name} -> ${typeNames[toObjectTypeId] ?? toObjectTypeId}`);
}

/**
 * Drops the required flag from properties this version no longer requires (noLongerRequired in dataModel.ts), keeping
 * every other required property, ours or a person's. PATCH .../schemas/{objectTypeId} with requiredProperties
 * replaces the list: https://developers.hubspot.com/docs/api-reference/crm-schemas-v3/guide
 */
async function dropRequiredFlags(
  hubspot: HubSpot,
  schema: HubSpotObjectSchema,
  definition: ObjectSchemaDefinition,
  note: Note,
): Promise<void> {
  const drop = new Set(noLongerRequired[definition.name] ?? []);
  const required = schema.requiredProperties ?? [];
  const dropped = required.filter((name) => drop.has(name));
  if (dropped.length === 0) return;
  await updateObjectSchema(hubspot, schema.objectTypeId, { requiredProperties: required.filter((name) => !drop.has(name)) });
  note('completed', `${definition.labels.singular}: ${dropped.join(', ')} no longer required`);
}

/**
 * Searchable and secondary display properties can only name existing properties, so they are set once the
 * properties are there. What a person added stays; ours are appended.
 */
async function ensureSchemaDisplay(
  hubspot: HubSpot,
  schema: HubSpotObjectSchema,
  definition: ObjectSchemaDefinition,
  note: Note,
): Promise<void> {
  const searchable = schema.searchableProperties ?? [];
  const secondary = schema.secondaryDisplayProperties ?? [];
  const addSearchable = definition.searchableProperties.filter((name) => !searchable.includes(name));
  const addSecondary = definition.secondaryDisplayProperties.filter((name) => !secondary.includes(name));
  if (addSearchable.length === 0 && addSecondary.length === 0) return;
  await updateObjectSchema(hubspot, schema.objectTypeId, {
    searchableProperties: [...searchable, ...addSearchable],
    secondaryDisplayProperties: [...secondary, ...addSecondary],
  });
  note('completed', `${definition.labels.singular} search and display properties: ${[...addSearchable, ...addSecondary].join(', ')}`);
}

async function ensurePropertyGroup(hubspot: HubSpot, objectType: string, label: string, note: Note): Promise<void> {
  const groups = await listPropertyGroups(hubspot, objectType);
  if (groups.some((g) => g.name === PROPERTY_GROUP.name)) return;
  await createPropertyGroup(hubspot, objectType, PROPERTY_GROUP);
  note('created', `property group "${PROPERTY_GROUP.label}" on ${label}`);
}

async function ensureProperties(
  hubspot: HubSpot,
  objectType: string,
  label: string,
  wanted: readonly PropertyDefinition[],
  objectIsNew: boolean,
  note: Note,
  warnings: string[],
): Promise<void> {
  const existing = new Map((await listProperties(hubspot, objectType)).map((p) => [p.name, p]));
  const missing: PropertyDefinition[] = [];
  for (const property of wanted) {
    const found = existing.get(property.name);
    if (!found) {
      missing.push(property);
      continue;
    }
    if (found.type !== property.type) {
      warnings.push(
        `${label}.${property.name} is a ${found.type} property in HubSpot, Referralynx expects ${property.type}: left as it is; ` +
          'values that do not fit will be refused until it is changed or removed by hand.',
      );
      continue;
    }
    if (property.options) {
      // Options someone added by hand stay; ours that are missing are appended after them.
      const have = new Set((found.options ?? []).map((o) => o.value));
      const add = property.options.filter((o) => !have.has(o.value));
      if (add.length > 0) {
        const offset = found.options?.length ?? 0;
        await updateProperty(hubspot, objectType, property.name, {
          options: [...(found.options ?? []), ...add.map((o, i) => ({ ...o, displayOrder: offset + i }))],
        });
        note('completed', `${label}.${property.name}: ${add.length} option${add.length === 1 ? '' : 's'} added`);
      }
    }
  }
  if (missing.length > 0) await createProperties(hubspot, objectType, missing);
  if (missing.length > 0) {
    note(
      objectIsNew || missing.length === wanted.length ? 'created' : 'completed',
      `${missing.length} propert${missing.length === 1 ? 'y' : 'ies'} on ${label}: ${missing.map((p) => p.name).join(', ')}`,
    );
  }
}

async function ensureReferralPipeline(
  hubspot: HubSpot,
  objectTypeId: string,
  note: Note,
): Promise<{ id: string; stageIds: Record<string, string> }> {
  const pipelines = await listPipelines(hubspot, objectTypeId);
  let pipeline = pipelines.find((p) => !p.archived && p.label.toLowerCase() === REFERRAL_PIPELINE_LABEL.toLowerCase());
  if (!pipeline) {
    pipeline = await createPipeline(hubspot, objectTypeId, {
      label: REFERRAL_PIPELINE_LABEL,
      displayOrder: 0,
      stages: referralPipelineStages.map(({ status: _status, ...stage }) => stage),
    });
    note('created', `pipeline "${REFERRAL_PIPELINE_LABEL}" with ${pipeline.stages.length} stages`);
  }
  const stageIds: Record<string, string> = {};
  for (const wanted of referralPipelineStages) {
    let stage = pipeline.stages.find((s) => !s.archived && s.label.toLowerCase() === wanted.label.toLowerCase());
    if (!stage) {
      const { status: _status, ...definition } = wanted;
      stage = await createPipelineStage(hubspot, objectTypeId, pipeline.id, {
        ...definition,
        displayOrder: Math.max(-1, ...pipeline.stages.map((s) => s.displayOrder)) + 1,
      });
      pipeline.stages.push(stage);
      note('completed', `pipeline "${pipeline.label}": stage "${wanted.label}" added`);
    }
    stageIds[wanted.status] = stage.id;
  }
  return { id: pipeline.id, stageIds };
}

/** Tasks, as object type id (https://developers.hubspot.com/docs/guides/crm/understanding-the-crm#object-type-ids). */
const TASKS_TYPE_ID = '0-27';

/**
 * The unlabeled association type from tasks to Referral records, which follow-up tasks are created with. Read from
 * the v4 labels of the pair (GET /crm/v4/associations/0-27/{referral}/labels,
 * https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associations-schema/guide), whatever its
 * category, so a portal where HubSpot already defines one is used as it is. Where there is none, provisioning
 * defines it as it defines the Referral's other associations, through the schema
 * (POST /crm-object-schemas/v3/schemas/{objectType}/associations,
 * https://developers.hubspot.com/docs/api-reference/crm-schemas-v3/core/post-crm-object-schemas-v3-schemas-objectType-associations),
 * and reads back the tasks -> Referral direction.
 */
async function ensureTaskAssociation(
  hubspot: HubSpot,
  referral: HubSpotObjectSchema,
  note: Note,
): Promise<{ typeId: number; category: AssociationCategory }> {
  const unlabeled = (labels: AssociationLabel[]) => {
    const candidates = labels.filter(
      (l): l is AssociationLabel & { category: AssociationCategory } =>
        !l.label && (l.category === 'HUBSPOT_DEFINED' || l.category === 'USER_DEFINED'),
    );
    return candidates.find((l) => l.category === 'HUBSPOT_DEFINED') ?? candidates[0];
  };
  let found = unlabeled(await listAssociationLabels(hubspot, TASKS_TYPE_ID, referral.objectTypeId));
  if (!found) {
    await ensureSchemaAssociation(hubspot, referral, TASKS_TYPE_ID, 'rlx_referral_to_task', note, { [TASKS_TYPE_ID]: 'tasks' });
    found = unlabeled(await listAssociationLabels(hubspot, TASKS_TYPE_ID, referral.objectTypeId));
  }
  if (!found) throw new Error('HubSpot lists no association type from tasks to Referral records after defining one');
  return { typeId: found.typeId, category: found.category };
}

async function ensureAssociationLabel(
  hubspot: HubSpot,
  fromObjectType: string,
  toObjectType: string,
  definition: { label: string; name: string },
  note: Note,
): Promise<number> {
  const find = (labels: Awaited<ReturnType<typeof listAssociationLabels>>) =>
    labels.find((l) => l.category === 'USER_DEFINED' && l.label === definition.label);
  const existing = find(await listAssociationLabels(hubspot, fromObjectType, toObjectType));
  if (existing) return existing.typeId;
  await createAssociationLabel(hubspot, fromObjectType, toObjectType, definition);
  note('created', `association label "${definition.label}" (${fromObjectType} -> ${toObjectType})`);
  // The create answer may list both directions; read back the from->to one.
  const created = find(await listAssociationLabels(hubspot, fromObjectType, toObjectType));
  if (!created) throw new Error(`HubSpot did not list the association label "${definition.label}" after creating it`);
  return created.typeId;
}
