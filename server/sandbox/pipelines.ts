import { z } from 'zod';
import { pipelinePropertyNames } from './catalog';
import { notFound, validationError } from './errors';
import { created, ok, parseBody, queryBoolean, type Reply, type RequestContext } from './http';
import { resolveObjectType } from './objectTypes';
import type { ObjectTypeRow, PipelineRow, SandboxStore, StageRow } from './store';

/**
 * The pipelines API: https://developers.hubspot.com/docs/api/crm/pipelines
 * (GET/POST /crm/v3/pipelines/{objectType}, GET/PATCH .../{pipelineId}, POST .../{pipelineId}/stages,
 * GET/PATCH .../stages/{stageId}). Deals start with their default pipeline; custom objects start with none.
 */

/** Stage metadata values are strings (probability "0.2", isClosed "true"); numbers and booleans are accepted. */
const metadataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const stageInputSchema = z.object({
  label: z.string().min(1),
  displayOrder: z.number().int().optional(),
  metadata: metadataSchema.optional(),
});
const pipelineInputSchema = z.object({
  label: z.string().min(1),
  displayOrder: z.number().int().optional(),
  stages: z.array(stageInputSchema).min(1),
});
const pipelinePatchSchema = z.object({
  label: z.string().min(1).optional(),
  displayOrder: z.number().int().optional(),
  archived: z.boolean().optional(),
});
const stagePatchSchema = stageInputSchema.partial().extend({ archived: z.boolean().optional() });

const toApiStage = (stage: StageRow) => ({
  id: stage.stageId,
  label: stage.label,
  displayOrder: stage.displayOrder,
  metadata: stage.metadata,
  createdAt: stage.createdAt.toISOString(),
  updatedAt: stage.updatedAt.toISOString(),
  archived: stage.archived,
  writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
});

const toApiPipeline = (pipeline: PipelineRow) => ({
  id: pipeline.pipelineId,
  label: pipeline.label,
  displayOrder: pipeline.displayOrder,
  stages: pipeline.stages.map(toApiStage),
  createdAt: pipeline.createdAt.toISOString(),
  updatedAt: pipeline.updatedAt.toISOString(),
  archived: pipeline.archived,
});

/** The object type, if its records have pipelines (deals and custom objects among the ones the sandbox has). */
async function pipelineType(store: SandboxStore, reference: string | undefined): Promise<ObjectTypeRow> {
  const type = await resolveObjectType(store, reference);
  if (!pipelinePropertyNames(type.objectTypeId))
    throw validationError(`Object type ${type.objectTypeId} does not support pipelines.`);
  return type;
}

/**
 * Deal stages need a win probability between 0 and 1 in their metadata
 * (https://developers.hubspot.com/docs/api/crm/pipelines#create-a-pipeline).
 */
function checkStageMetadata(type: ObjectTypeRow, metadata: Record<string, string>): void {
  if (type.objectTypeId !== '0-3') return;
  const probability = Number(metadata.probability);
  if (metadata.probability === undefined || !(probability >= 0 && probability <= 1)) {
    throw validationError('Deal stages need metadata.probability, a number from 0.0 to 1.0.');
  }
}

async function requirePipeline(
  store: SandboxStore,
  type: ObjectTypeRow,
  pipelineId: string | undefined,
): Promise<PipelineRow> {
  const pipeline = (await store.listPipelines(type.objectTypeId, { includeArchived: true })).find(
    (p) => p.pipelineId === pipelineId,
  );
  if (!pipeline) throw notFound(`Unable to find pipeline ${pipelineId ?? ''} for object type ${type.objectTypeId}.`);
  return pipeline;
}

function requireStage(pipeline: PipelineRow, stageId: string | undefined): StageRow {
  const stage = pipeline.stages.find((s) => s.stageId === stageId);
  if (!stage) throw notFound(`Unable to find stage ${stageId ?? ''} in pipeline ${pipeline.pipelineId}.`);
  return stage;
}

export async function listPipelinesRoute(ctx: RequestContext): Promise<Reply> {
  const type = await pipelineType(ctx.store, ctx.params.objectType);
  return ok({ results: (await ctx.store.listPipelines(type.objectTypeId)).map(toApiPipeline) });
}

export async function getPipelineRoute(ctx: RequestContext): Promise<Reply> {
  const type = await pipelineType(ctx.store, ctx.params.objectType);
  return ok(toApiPipeline(await requirePipeline(ctx.store, type, ctx.params.pipelineId)));
}

export async function createPipelineRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(pipelineInputSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await pipelineType(store, ctx.params.objectType);
    const stages = input.stages.map((s, i) => ({
      label: s.label,
      displayOrder: s.displayOrder ?? i,
      metadata: s.metadata ?? {},
    }));
    stages.forEach((s) => checkStageMetadata(type, s.metadata));
    const [pipelineId, ...stageIds] = (await store.nextIds('pipeline', stages.length + 1)).map(String);
    if (pipelineId === undefined) throw new Error('no pipeline id reserved');
    await store.insertPipeline(type.objectTypeId, {
      pipelineId,
      label: input.label,
      displayOrder: input.displayOrder ?? 0,
      stages: stages.map((s, i) => ({ ...s, stageId: stageIds[i] ?? '' })),
    });
    return created(toApiPipeline(await requirePipeline(store, type, pipelineId)));
  });
}

export async function updatePipelineRoute(ctx: RequestContext): Promise<Reply> {
  const changes = parseBody(pipelinePatchSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await pipelineType(store, ctx.params.objectType);
    const current = await requirePipeline(store, type, ctx.params.pipelineId);
    await store.updatePipeline(type.objectTypeId, current.pipelineId, { ...current, ...changes });
    return ok(toApiPipeline(await requirePipeline(store, type, current.pipelineId)));
  });
}

export async function listStagesRoute(ctx: RequestContext): Promise<Reply> {
  const type = await pipelineType(ctx.store, ctx.params.objectType);
  const pipeline = await requirePipeline(ctx.store, type, ctx.params.pipelineId);
  return ok({ results: pipeline.stages.filter((s) => !s.archived || queryBoolean(ctx, 'archived')).map(toApiStage) });
}

export async function getStageRoute(ctx: RequestContext): Promise<Reply> {
  const type = await pipelineType(ctx.store, ctx.params.objectType);
  const pipeline = await requirePipeline(ctx.store, type, ctx.params.pipelineId);
  return ok(toApiStage(requireStage(pipeline, ctx.params.stageId)));
}

export async function createStageRoute(ctx: RequestContext): Promise<Reply> {
  const input = parseBody(stageInputSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await pipelineType(store, ctx.params.objectType);
    const pipeline = await requirePipeline(store, type, ctx.params.pipelineId);
    const metadata = input.metadata ?? {};
    checkStageMetadata(type, metadata);
    const [stageId] = (await store.nextIds('pipeline', 1)).map(String);
    if (stageId === undefined) throw new Error('no stage id reserved');
    await store.insertStage(type.objectTypeId, pipeline.pipelineId, {
      stageId,
      label: input.label,
      displayOrder: input.displayOrder ?? pipeline.stages.length,
      metadata,
    });
    return created(toApiStage(requireStage(await requirePipeline(store, type, pipeline.pipelineId), stageId)));
  });
}

export async function updateStageRoute(ctx: RequestContext): Promise<Reply> {
  const changes = parseBody(stagePatchSchema, ctx.body);
  return ctx.store.transaction(async (store) => {
    const type = await pipelineType(store, ctx.params.objectType);
    const pipeline = await requirePipeline(store, type, ctx.params.pipelineId);
    const current = requireStage(pipeline, ctx.params.stageId);
    const next = {
      stageId: current.stageId,
      label: changes.label ?? current.label,
      displayOrder: changes.displayOrder ?? current.displayOrder,
      metadata: changes.metadata ?? current.metadata,
      archived: changes.archived ?? current.archived,
    };
    checkStageMetadata(type, next.metadata);
    await store.updateStage(type.objectTypeId, pipeline.pipelineId, next);
    return ok(toApiStage(requireStage(await requirePipeline(store, type, pipeline.pipelineId), current.stageId)));
  });
}
