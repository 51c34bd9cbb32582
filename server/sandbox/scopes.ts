/**
 * How the sandbox decides which scopes an endpoint needs. The rules are attached to each endpoint in the one route
 * table (routes.ts); this module holds the vocabulary they are written in.
 *
 * A rule yields groups of scopes: every group must be satisfied, and any one scope of a group satisfies it (HubSpot's
 * 403 says "One or more of the following scopes are required." and lists a group).
 * Scope names: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes
 */

export type Access = 'read' | 'write';
export type ScopeRule = (params: Readonly<Record<string, string>>) => string[][];

/** The object families scopes are granted for; tasks and notes fall under contacts (see objectScope). */
type Family = 'contacts' | 'companies' | 'deals' | 'custom';

const STANDARD_FAMILIES: Record<string, Family> = {
  '0-1': 'contacts',
  contacts: 'contacts',
  contact: 'contacts',
  '0-2': 'companies',
  companies: 'companies',
  company: 'companies',
  '0-3': 'deals',
  deals: 'deals',
  deal: 'deals',
  // "Scope requirements: crm.objects.contacts.read, crm.objects.contacts.write" for the tasks and notes APIs:
  // https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide
  // https://developers.hubspot.com/docs/api-reference/latest/crm/activities/notes/guide
  '0-27': 'contacts',
  tasks: 'contacts',
  task: 'contacts',
  '0-46': 'contacts',
  notes: 'contacts',
  note: 'contacts',
};

/** Any object type that is not a standard one is a custom object (2-N, p{portalId}_name, or its name). */
function familyOf(objectType: string | undefined): Family {
  return STANDARD_FAMILIES[(objectType ?? '').toLowerCase()] ?? 'custom';
}

/** Records of an object type: crm.objects.{family}.{read|write}. */
export const objectScope = (objectType: string | undefined, access: Access) =>
  `crm.objects.${familyOf(objectType)}.${access}`;

/** Definitions of an object type (properties, custom object schemas): crm.schemas.{family}.{read|write}. */
export const schemaScope = (objectType: string | undefined, access: Access) =>
  `crm.schemas.${familyOf(objectType)}.${access}`;

const FAMILIES: readonly Family[] = ['contacts', 'companies', 'deals', 'custom'];
const everyObjectScope = (access: Access) => FAMILIES.map((f) => `crm.objects.${f}.${access}`);

export const OWNERS_READ = 'crm.objects.owners.read';

/** Every scope the sandbox knows: what a token gets when SandboxOptions.scopes is not given. */
export const KNOWN_SCOPES: readonly string[] = [
  ...FAMILIES.flatMap((f) => [
    `crm.objects.${f}.read`,
    `crm.objects.${f}.write`,
    `crm.schemas.${f}.read`,
    `crm.schemas.${f}.write`,
  ]),
  OWNERS_READ,
];

/** No scope: any valid token may call. */
export const noScope: ScopeRule = () => [];

/** The records of the object types named by the given path parameters. */
export const onObjects =
  (access: Access, ...params: string[]): ScopeRule =>
  (p) =>
    params.map((name) => [objectScope(p[name], access)]);

/** The definitions (properties, groups) of the object type named by a path parameter. */
export const onSchema =
  (access: Access, param = 'objectType'): ScopeRule =>
  (p) => [[schemaScope(p[param], access)]];

/** Custom object schemas: crm.schemas.custom.{read|write} (https://developers.hubspot.com/docs/api/crm/crm-custom-objects). */
export const onCustomSchemas =
  (access: Access): ScopeRule =>
  () => [[`crm.schemas.custom.${access}`]];

/**
 * Pipelines and association labels: HubSpot accepts any one of the object scopes it lists for these APIs
 * (https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide,
 * https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associations-schema/guide).
 */
export const onAnyObjects =
  (access: Access): ScopeRule =>
  () => [everyObjectScope(access)];

/** A fixed set of scopes of which any one will do. */
export const anyOf =
  (...scopes: string[]): ScopeRule =>
  () => [scopes];
