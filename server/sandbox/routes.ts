import { z } from 'zod';
import * as associations from './associations';
import { accountDetails } from './catalog';
import { notFound } from './errors';
import {
  nextPage,
  ok,
  parseBody,
  queryAfter,
  queryBoolean,
  queryInteger,
  queryString,
  type Reply,
  type RequestContext,
} from './http';
import * as objectTypes from './objectTypes';
import * as pipelines from './pipelines';
import * as properties from './properties';
import * as records from './records';
import {
  anyOf,
  noScope,
  onAnyObjects,
  onCustomSchemas,
  onObjects,
  onSchema,
  OWNERS_READ,
  type ScopeRule,
} from './scopes';
import { searchRoute } from './search';
import type { OwnerRow } from './store';

/**
 * The one table of what the sandbox answers: each HubSpot endpoint with the scopes it needs, whether it changes
 * data, and its handler. Paths are HubSpot's templates; they key the request counts in SandboxStats.byRoute.
 * Success statuses (200, 201, 204, 207) are those of HubSpot's OpenAPI specs, which @hubspot/api-client is generated
 * from and checks: a typed call fails on any other.
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  scopes: ScopeRule;
  /** Counted in SandboxStats.writes: POST/PUT/PATCH/DELETE other than search, reads and token introspection. */
  changesData: boolean;
  /** Search endpoints have their own per-second limit and no rate limit headers. */
  search?: boolean;
  /** How the caller proves who it is: a bearer token, or (token introspection) the token in the body. */
  auth?: 'bearer' | 'tokenKey';
  handle: (ctx: RequestContext) => Promise<Reply>;
}

// ---- Account and owners (small enough to live here) -----------------------------------------------------------

/**
 * POST /oauth/v2/private-apps/get/access-token-info with {tokenKey}: the portal, app and scopes of a private app
 * token (https://developers.hubspot.com/docs/api/private-apps). The token in the body is the credential; index.ts
 * checks it like a bearer token (auth: 'tokenKey').
 */
export const tokenInfoSchema = z.object({ tokenKey: z.string().min(1) });

function tokenInfoRoute(ctx: RequestContext): Promise<Reply> {
  parseBody(tokenInfoSchema, ctx.body);
  return Promise.resolve(ok({ userId: 9100100, hubId: ctx.portalId, appId: 3100100, scopes: [...ctx.grantedScopes] }));
}

/** Owner, as GET /crm/v3/owners returns it (https://developers.hubspot.com/docs/api/crm/owners). */
const toApiOwner = (owner: OwnerRow) => ({
  id: String(owner.ownerId),
  email: owner.email,
  type: 'PERSON',
  firstName: owner.firstName,
  lastName: owner.lastName,
  userId: owner.userId,
  userIdIncludingInactive: owner.userId,
  createdAt: owner.createdAt.toISOString(),
  updatedAt: owner.updatedAt.toISOString(),
  archived: owner.archived,
  teams: owner.teams,
});

async function listOwnersRoute(ctx: RequestContext): Promise<Reply> {
  const limit = queryInteger(ctx, 'limit', 100, 500);
  const email = queryString(ctx, 'email');
  const owners = await ctx.store.listOwners({
    after: queryAfter(ctx),
    limit: limit + 1,
    archived: queryBoolean(ctx, 'archived'),
    ...(email ? { email } : {}),
  });
  const page = owners.slice(0, limit);
  const last = page[page.length - 1];
  const paging = owners.length > limit && last ? nextPage(ctx, String(last.ownerId)) : undefined;
  return ok({ results: page.map(toApiOwner), ...(paging ? { paging } : {}) });
}

async function getOwnerRoute(ctx: RequestContext): Promise<Reply> {
  const id = Number(ctx.params.ownerId);
  const byUserId = queryString(ctx, 'idProperty') === 'userId';
  const owner = byUserId
    ? (await ctx.store.listOwners({ after: 0, limit: 1000, archived: queryBoolean(ctx, 'archived') })).find(
        (o) => o.userId === id,
      )
    : Number.isSafeInteger(id)
      ? await ctx.store.getOwner(id, { archived: queryBoolean(ctx, 'archived') })
      : undefined;
  if (!owner) throw notFound(`Unable to find owner ${ctx.params.ownerId ?? ''}.`);
  return ok(toApiOwner(owner));
}

// ---- The table --------------------------------------------------------------------------------------------------

const OBJECTS = '/crm/v3/objects/{objectType}';
const PROPERTIES = '/crm/v3/properties/{objectType}';
const PIPELINES = '/crm/v3/pipelines/{objectType}';
const SCHEMAS = '/crm-object-schemas/v3/schemas';
const LABELS = '/crm/v4/associations/{fromObjectType}/{toObjectType}';
const RECORD_ASSOCIATIONS = '/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations';

const read = (
  method: RouteSpec['method'],
  path: string,
  scopes: ScopeRule,
  handle: RouteSpec['handle'],
): RouteSpec => ({
  method,
  path,
  scopes,
  changesData: false,
  handle,
});
const write = (
  method: RouteSpec['method'],
  path: string,
  scopes: ScopeRule,
  handle: RouteSpec['handle'],
): RouteSpec => ({
  method,
  path,
  scopes,
  changesData: true,
  handle,
});

export const ROUTES: readonly RouteSpec[] = [
  // Account: https://developers.hubspot.com/docs/api/settings/account-information-api
  read('GET', '/account-info/v3/details', noScope, (ctx) => Promise.resolve(ok(accountDetails(ctx.portalId)))),
  { ...read('POST', '/oauth/v2/private-apps/get/access-token-info', noScope, tokenInfoRoute), auth: 'tokenKey' },

  // Custom object schemas: https://developers.hubspot.com/docs/api/crm/crm-custom-objects
  read('GET', SCHEMAS, onCustomSchemas('read'), objectTypes.listSchemasRoute),
  write('POST', SCHEMAS, onCustomSchemas('write'), objectTypes.createSchemaRoute),
  read('GET', `${SCHEMAS}/{objectType}`, onCustomSchemas('read'), objectTypes.getSchemaRoute),
  write('PATCH', `${SCHEMAS}/{objectType}`, onCustomSchemas('write'), objectTypes.updateSchemaRoute),
  write(
    'POST',
    `${SCHEMAS}/{objectType}/associations`,
    onCustomSchemas('write'),
    objectTypes.createSchemaAssociationRoute,
  ),

  // Properties and groups: https://developers.hubspot.com/docs/api/crm/properties
  read('GET', PROPERTIES, onSchema('read'), properties.listPropertiesRoute),
  write('POST', PROPERTIES, onSchema('write'), properties.createPropertyRoute),
  write('POST', `${PROPERTIES}/batch/create`, onSchema('write'), properties.batchCreatePropertiesRoute),
  read('POST', `${PROPERTIES}/batch/read`, onSchema('read'), properties.batchReadPropertiesRoute),
  read('GET', `${PROPERTIES}/groups`, onSchema('read'), properties.listGroupsRoute),
  write('POST', `${PROPERTIES}/groups`, onSchema('write'), properties.createGroupRoute),
  read('GET', `${PROPERTIES}/groups/{groupName}`, onSchema('read'), properties.getGroupRoute),
  write('PATCH', `${PROPERTIES}/groups/{groupName}`, onSchema('write'), properties.updateGroupRoute),
  read('GET', `${PROPERTIES}/{propertyName}`, onSchema('read'), properties.getPropertyRoute),
  write('PATCH', `${PROPERTIES}/{propertyName}`, onSchema('write'), properties.updatePropertyRoute),
  write('DELETE', `${PROPERTIES}/{propertyName}`, onSchema('write'), properties.archivePropertyRoute),

  // Pipelines: https://developers.hubspot.com/docs/api/crm/pipelines
  read('GET', PIPELINES, onAnyObjects('read'), pipelines.listPipelinesRoute),
  write('POST', PIPELINES, onAnyObjects('write'), pipelines.createPipelineRoute),
  read('GET', `${PIPELINES}/{pipelineId}`, onAnyObjects('read'), pipelines.getPipelineRoute),
  write('PATCH', `${PIPELINES}/{pipelineId}`, onAnyObjects('write'), pipelines.updatePipelineRoute),
  read('GET', `${PIPELINES}/{pipelineId}/stages`, onAnyObjects('read'), pipelines.listStagesRoute),
  write('POST', `${PIPELINES}/{pipelineId}/stages`, onAnyObjects('write'), pipelines.createStageRoute),
  read('GET', `${PIPELINES}/{pipelineId}/stages/{stageId}`, onAnyObjects('read'), pipelines.getStageRoute),
  write('PATCH', `${PIPELINES}/{pipelineId}/stages/{stageId}`, onAnyObjects('write'), pipelines.updateStageRoute),

  // Records: https://developers.hubspot.com/docs/api/crm/understanding-the-crm and the search API
  read('GET', OBJECTS, onObjects('read', 'objectType'), records.listRecordsRoute),
  write('POST', OBJECTS, onObjects('write', 'objectType'), records.createRecordRoute),
  write('POST', `${OBJECTS}/batch/create`, onObjects('write', 'objectType'), records.batchCreateRoute),
  read('POST', `${OBJECTS}/batch/read`, onObjects('read', 'objectType'), records.batchReadRoute),
  write('POST', `${OBJECTS}/batch/update`, onObjects('write', 'objectType'), records.batchUpdateRoute),
  write('POST', `${OBJECTS}/batch/upsert`, onObjects('write', 'objectType'), records.batchUpsertRoute),
  write('POST', `${OBJECTS}/batch/archive`, onObjects('write', 'objectType'), records.batchArchiveRoute),
  { ...read('POST', `${OBJECTS}/search`, onObjects('read', 'objectType'), searchRoute), search: true },
  read('GET', `${OBJECTS}/{objectId}`, onObjects('read', 'objectType'), records.getRecordRoute),
  write('PATCH', `${OBJECTS}/{objectId}`, onObjects('write', 'objectType'), records.updateRecordRoute),
  write('DELETE', `${OBJECTS}/{objectId}`, onObjects('write', 'objectType'), records.archiveRecordRoute),

  // Association labels: https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associations-schema/guide
  read('GET', `${LABELS}/labels`, onAnyObjects('read'), associations.listLabelsRoute),
  write('POST', `${LABELS}/labels`, onAnyObjects('write'), associations.createLabelRoute),
  write('PUT', `${LABELS}/labels`, onAnyObjects('write'), associations.updateLabelRoute),
  write('DELETE', `${LABELS}/labels/{associationTypeId}`, onAnyObjects('write'), associations.deleteLabelRoute),

  // Record associations: https://developers.hubspot.com/docs/api/crm/associations/associations-v4
  write(
    'POST',
    `${LABELS}/batch/create`,
    onObjects('write', 'fromObjectType', 'toObjectType'),
    associations.batchAssociateRoute,
  ),
  write(
    'POST',
    `${LABELS}/batch/associate/default`,
    onObjects('write', 'fromObjectType', 'toObjectType'),
    associations.batchAssociateDefaultRoute,
  ),
  read(
    'POST',
    `${LABELS}/batch/read`,
    onObjects('read', 'fromObjectType', 'toObjectType'),
    associations.batchReadAssociationsRoute,
  ),
  write(
    'POST',
    `${LABELS}/batch/archive`,
    onObjects('write', 'fromObjectType', 'toObjectType'),
    associations.batchRemoveAssociationsRoute,
  ),
  write(
    'POST',
    `${LABELS}/batch/labels/archive`,
    onObjects('write', 'fromObjectType', 'toObjectType'),
    associations.batchRemoveLabelsRoute,
  ),
  write(
    'PUT',
    `${RECORD_ASSOCIATIONS}/default/{toObjectType}/{toObjectId}`,
    onObjects('write', 'fromObjectType', 'toObjectType'),
    associations.associateDefaultRoute,
  ),
  write(
    'PUT',
    `${RECORD_ASSOCIATIONS}/{toObjectType}/{toObjectId}`,
    onObjects('write', 'fromObjectType', 'toObjectType'),
    associations.associateRoute,
  ),
  write(
    'DELETE',
    `${RECORD_ASSOCIATIONS}/{toObjectType}/{toObjectId}`,
    onObjects('write', 'fromObjectType', 'toObjectType'),
    associations.removeAssociationsRoute,
  ),
  read(
    'GET',
    `${RECORD_ASSOCIATIONS}/{toObjectType}`,
    onObjects('read', 'fromObjectType', 'toObjectType'),
    associations.listRecordAssociationsRoute,
  ),

  // Owners: https://developers.hubspot.com/docs/api/crm/owners
  read('GET', '/crm/v3/owners', anyOf(OWNERS_READ), listOwnersRoute),
  read('GET', '/crm/v3/owners/{ownerId}', anyOf(OWNERS_READ), getOwnerRoute),
];
