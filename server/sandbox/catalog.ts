/**
 * What every HubSpot portal has before anyone changes it, as far as this project touches it: the standard objects
 * with their common default properties and property groups, the HUBSPOT_DEFINED association types between them, the
 * deals' default pipeline, the account details, and a handful of owners (an agency's sales team).
 */

/** Property types and the field types each accepts (https://developers.hubspot.com/docs/api/crm/properties, "Property
 * type and fieldType values"). */
export const FIELD_TYPES_BY_TYPE = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['file', 'text', 'textarea', 'calculation_equation', 'html', 'phonenumber'],
  number: ['number', 'calculation_equation'],
} as const;

export type PropertyType = keyof typeof FIELD_TYPES_BY_TYPE;
export const PROPERTY_TYPES = Object.keys(FIELD_TYPES_BY_TYPE) as PropertyType[];

export interface PropertyOption {
  label: string;
  value: string;
  description?: string;
  displayOrder: number;
  hidden: boolean;
}

/** Where a property's allowed values come from when they are not listed as options (owners, pipelines, stages). */
export type OptionsSource = 'owners' | 'pipelines' | 'stages';

/** A property definition as the properties API returns it, less timestamps and archival. */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  calculated: boolean;
  externalOptions: boolean;
  hubspotDefined?: boolean;
  referencedObjectType?: string;
  numberDisplayHint?: string;
  textDisplayHint?: string;
  showCurrencySymbol?: boolean;
  modificationMetadata: {
    archivable: boolean;
    readOnlyDefinition: boolean;
    readOnlyValue: boolean;
    readOnlyOptions: boolean;
  };
  /** Sandbox-internal, never returned: the live source of allowed values (validated against it on writes). */
  optionsFrom?: OptionsSource;
}

export interface PropertyGroupDefinition {
  name: string;
  label: string;
  displayOrder: number;
}

export interface ObjectTypeDefinition {
  objectTypeId: string;
  name: string;
  /** The singular name HubSpot also accepts in paths and in associatedObjects, e.g. CONTACT. */
  singular: string;
  labels: { singular: string; plural: string };
  primaryDisplayProperty: string;
  secondaryDisplayProperties: string[];
  searchableProperties: string[];
  requiredProperties: string[];
  groups: PropertyGroupDefinition[];
  properties: PropertyDefinition[];
}

function property(
  name: string,
  label: string,
  type: PropertyType,
  fieldType: string,
  groupName: string,
  more: Partial<PropertyDefinition> = {},
): PropertyDefinition {
  return {
    name,
    label,
    type,
    fieldType,
    groupName,
    description: '',
    options: [],
    displayOrder: -1,
    hasUniqueValue: false,
    hidden: false,
    formField: false,
    calculated: false,
    externalOptions: false,
    hubspotDefined: true,
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false, readOnlyOptions: false },
    ...more,
  };
}

const readOnly = {
  modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true, readOnlyOptions: true },
};

const text = (name: string, label: string, group: string, more: Partial<PropertyDefinition> = {}) =>
  property(name, label, 'string', 'text', group, more);

const choices = (values: ReadonlyArray<readonly [string, string]>): PropertyOption[] =>
  values.map(([value, label], displayOrder) => ({ label, value, displayOrder, hidden: false }));

const select = (name: string, label: string, group: string, values: ReadonlyArray<readonly [string, string]>) =>
  property(name, label, 'enumeration', 'select', group, { options: choices(values) });

/** hubspot_owner_id: its options are the portal's owners (https://developers.hubspot.com/docs/api/crm/owners). */
const ownerProperty = (group: string) =>
  property('hubspot_owner_id', 'Owner', 'enumeration', 'select', group, {
    externalOptions: true,
    optionsFrom: 'owners',
  });

/** The record id and the create/modify dates: HubSpot sets them and refuses writes to them (READ_ONLY_VALUE). */
export interface SystemPropertyNames {
  created: string;
  modified: string;
}

/**
 * Contacts keep their dates in createdate/lastmodifieddate, companies and deals in createdate/hs_lastmodifieddate,
 * activities and custom objects in hs_createdate/hs_lastmodifieddate (each object's default properties:
 * https://knowledge.hubspot.com/properties/hubspots-default-contact-properties and siblings).
 */
export function systemPropertyNames(objectTypeId: string): SystemPropertyNames {
  switch (objectTypeId) {
    case '0-1':
      return { created: 'createdate', modified: 'lastmodifieddate' };
    case '0-2':
    case '0-3':
      return { created: 'createdate', modified: 'hs_lastmodifieddate' };
    default:
      return { created: 'hs_createdate', modified: 'hs_lastmodifieddate' };
  }
}

function systemProperties(objectTypeId: string, group: string): PropertyDefinition[] {
  const names = systemPropertyNames(objectTypeId);
  return [
    property('hs_object_id', 'Record ID', 'number', 'number', group, readOnly),
    property(names.created, 'Create date', 'datetime', 'date', group, readOnly),
    property(names.modified, 'Last modified date', 'datetime', 'date', group, readOnly),
  ];
}

/**
 * Properties that name a pipeline and a stage: deals use pipeline/dealstage, custom objects hs_pipeline/
 * hs_pipeline_stage (https://developers.hubspot.com/docs/api/crm/pipelines). Objects without pipelines (contacts,
 * companies, activities) have none.
 */
export function pipelinePropertyNames(objectTypeId: string): { pipeline: string; stage: string } | undefined {
  if (objectTypeId === '0-3') return { pipeline: 'pipeline', stage: 'dealstage' };
  if (objectTypeId.startsWith('2-')) return { pipeline: 'hs_pipeline', stage: 'hs_pipeline_stage' };
  return undefined;
}

const lifecycleStages = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
] as const;

const contacts: ObjectTypeDefinition = {
  objectTypeId: '0-1',
  name: 'contacts',
  singular: 'contact',
  labels: { singular: 'Contact', plural: 'Contacts' },
  primaryDisplayProperty: 'firstname',
  secondaryDisplayProperties: ['email'],
  searchableProperties: ['firstname', 'lastname', 'email', 'phone'],
  requiredProperties: [],
  groups: [{ name: 'contactinformation', label: 'Contact information', displayOrder: 0 }],
  properties: [
    ...systemProperties('0-1', 'contactinformation'),
    text('firstname', 'First Name', 'contactinformation'),
    text('lastname', 'Last Name', 'contactinformation'),
    // HubSpot deduplicates contacts by email: a second contact with the same email is a 409 "Contact already exists"
    // (https://developers.hubspot.com/docs/api/crm/contacts), and email can be the idProperty of an upsert.
    text('email', 'Email', 'contactinformation', { hasUniqueValue: true }),
    property('phone', 'Phone Number', 'string', 'phonenumber', 'contactinformation'),
    property('mobilephone', 'Mobile Phone Number', 'string', 'phonenumber', 'contactinformation'),
    property('fax', 'Fax Number', 'string', 'phonenumber', 'contactinformation'),
    text('jobtitle', 'Job Title', 'contactinformation'),
    text('company', 'Company Name', 'contactinformation'),
    text('address', 'Street Address', 'contactinformation'),
    text('city', 'City', 'contactinformation'),
    text('state', 'State/Region', 'contactinformation'),
    text('zip', 'Postal Code', 'contactinformation'),
    select('lifecyclestage', 'Lifecycle Stage', 'contactinformation', lifecycleStages),
    ownerProperty('contactinformation'),
  ],
};

const companies: ObjectTypeDefinition = {
  objectTypeId: '0-2',
  name: 'companies',
  singular: 'company',
  labels: { singular: 'Company', plural: 'Companies' },
  primaryDisplayProperty: 'name',
  secondaryDisplayProperties: ['domain'],
  searchableProperties: ['name', 'domain', 'phone'],
  requiredProperties: [],
  groups: [{ name: 'companyinformation', label: 'Company information', displayOrder: 0 }],
  properties: [
    ...systemProperties('0-2', 'companyinformation'),
    text('name', 'Name', 'companyinformation'),
    text('domain', 'Company Domain Name', 'companyinformation'),
    property('phone', 'Phone Number', 'string', 'phonenumber', 'companyinformation'),
    text('address', 'Street Address', 'companyinformation'),
    text('city', 'City', 'companyinformation'),
    text('state', 'State/Region', 'companyinformation'),
    text('zip', 'Postal Code', 'companyinformation'),
    property('description', 'Description', 'string', 'textarea', 'companyinformation'),
    // "Last Contacted": HubSpot sets it from the calls, meetings and emails logged on the company (it is read-only
    // there); the sandbox lets a test or the demo write it. https://knowledge.hubspot.com/properties/hubspots-default-company-properties
    property('notes_last_contacted', 'Last Contacted', 'datetime', 'date', 'companyinformation'),
    // A subset of HubSpot's industry options: the ones a home health agency's referral sources fall under.
    select('industry', 'Industry', 'companyinformation', [
      ['HOSPITAL_HEALTH_CARE', 'Hospital & Health Care'],
      ['MEDICAL_PRACTICE', 'Medical Practice'],
      ['HEALTH_WELLNESS_AND_FITNESS', 'Health, Wellness and Fitness'],
      ['INDIVIDUAL_FAMILY_SERVICES', 'Individual & Family Services'],
      ['MENTAL_HEALTH_CARE', 'Mental Health Care'],
      ['INSURANCE', 'Insurance'],
      ['NONPROFIT_ORGANIZATION_MANAGEMENT', 'Non-profit Organization Management'],
    ]),
    select('type', 'Type', 'companyinformation', [
      ['PROSPECT', 'Prospect'],
      ['PARTNER', 'Partner'],
      ['RESELLER', 'Reseller'],
      ['VENDOR', 'Vendor'],
      ['OTHER', 'Other'],
    ]),
    select('lifecyclestage', 'Lifecycle Stage', 'companyinformation', lifecycleStages),
    ownerProperty('companyinformation'),
  ],
};

const deals: ObjectTypeDefinition = {
  objectTypeId: '0-3',
  name: 'deals',
  singular: 'deal',
  labels: { singular: 'Deal', plural: 'Deals' },
  primaryDisplayProperty: 'dealname',
  secondaryDisplayProperties: [],
  searchableProperties: ['dealname'],
  requiredProperties: [],
  groups: [{ name: 'dealinformation', label: 'Deal information', displayOrder: 0 }],
  properties: [
    ...systemProperties('0-3', 'dealinformation'),
    text('dealname', 'Deal Name', 'dealinformation'),
    property('amount', 'Amount', 'number', 'number', 'dealinformation'),
    property('closedate', 'Close Date', 'datetime', 'date', 'dealinformation'),
    property('pipeline', 'Pipeline', 'enumeration', 'select', 'dealinformation', {
      externalOptions: true,
      optionsFrom: 'pipelines',
    }),
    property('dealstage', 'Deal Stage', 'enumeration', 'radio', 'dealinformation', {
      externalOptions: true,
      optionsFrom: 'stages',
    }),
    ownerProperty('dealinformation'),
  ],
};

const tasks: ObjectTypeDefinition = {
  objectTypeId: '0-27',
  name: 'tasks',
  singular: 'task',
  labels: { singular: 'Task', plural: 'Tasks' },
  primaryDisplayProperty: 'hs_task_subject',
  secondaryDisplayProperties: [],
  searchableProperties: ['hs_task_subject'],
  // "hs_timestamp: Required. This field marks the task's due date"
  // (https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide).
  requiredProperties: ['hs_timestamp'],
  groups: [{ name: 'taskinformation', label: 'Task information', displayOrder: 0 }],
  properties: [
    ...systemProperties('0-27', 'taskinformation'),
    property('hs_timestamp', 'Due date', 'datetime', 'date', 'taskinformation'),
    text('hs_task_subject', 'Task Title', 'taskinformation'),
    property('hs_task_body', 'Notes', 'string', 'html', 'taskinformation'),
    select('hs_task_status', 'Task Status', 'taskinformation', [
      ['NOT_STARTED', 'Not started'],
      ['IN_PROGRESS', 'In progress'],
      ['WAITING', 'Waiting'],
      ['COMPLETED', 'Completed'],
      ['DEFERRED', 'Deferred'],
    ]),
    select('hs_task_priority', 'Priority', 'taskinformation', [
      ['LOW', 'Low'],
      ['MEDIUM', 'Medium'],
      ['HIGH', 'High'],
      ['NONE', 'None'],
    ]),
    // When the task was completed. Not in the tasks guide's property list
    // (https://developers.hubspot.com/docs/api/crm/tasks); it is the property integrations read from HubSpot for it.
    // No HubSpot documentation we found says whether an API update to COMPLETED fills it, so the sandbox does not:
    // it holds what is written to it.
    property('hs_task_completion_date', 'Completed at', 'datetime', 'date', 'taskinformation'),
    select('hs_task_type', 'Task Type', 'taskinformation', [
      ['CALL', 'Call'],
      ['EMAIL', 'Email'],
      ['LINKED_IN', 'LinkedIn'],
      ['MEETING', 'Meeting'],
      ['TODO', 'To-do'],
    ]),
    ownerProperty('taskinformation'),
  ],
};

const notes: ObjectTypeDefinition = {
  objectTypeId: '0-46',
  name: 'notes',
  singular: 'note',
  labels: { singular: 'Note', plural: 'Notes' },
  primaryDisplayProperty: 'hs_note_body',
  secondaryDisplayProperties: [],
  searchableProperties: ['hs_note_body'],
  // https://developers.hubspot.com/docs/api-reference/latest/crm/activities/notes/guide: hs_timestamp is required.
  requiredProperties: ['hs_timestamp'],
  groups: [{ name: 'noteinformation', label: 'Note information', displayOrder: 0 }],
  properties: [
    ...systemProperties('0-46', 'noteinformation'),
    property('hs_timestamp', 'Activity date', 'datetime', 'date', 'noteinformation'),
    property('hs_note_body', 'Note body', 'string', 'html', 'noteinformation'),
    text('hs_attachment_ids', 'Attachment IDs', 'noteinformation'),
    ownerProperty('noteinformation'),
  ],
};

/** Object type ids of the standard objects: https://developers.hubspot.com/docs/guides/crm/understanding-the-crm. */
export const STANDARD_OBJECTS: readonly ObjectTypeDefinition[] = [contacts, companies, deals, tasks, notes];

/**
 * The properties every custom object gets besides its own (HubSpot adds them on schema creation:
 * https://developers.hubspot.com/docs/api/crm/crm-custom-objects), in the group named after the object.
 */
export function customObjectDefaultProperties(objectTypeId: string, group: string): PropertyDefinition[] {
  return [
    ...systemProperties(objectTypeId, group),
    property('hs_created_by_user_id', 'Created by user ID', 'number', 'number', group, readOnly),
    property('hs_updated_by_user_id', 'Updated by user ID', 'number', 'number', group, readOnly),
    property('hs_pipeline', 'Pipeline', 'enumeration', 'select', group, {
      externalOptions: true,
      optionsFrom: 'pipelines',
    }),
    property('hs_pipeline_stage', 'Pipeline stage', 'enumeration', 'select', group, {
      externalOptions: true,
      optionsFrom: 'stages',
    }),
    ownerProperty(group),
  ];
}

/**
 * Properties a read returns when the request names none
 * (https://developers.hubspot.com/docs/api/crm/understanding-the-crm#properties: "a default set of properties").
 */
export function defaultReturnedProperties(objectTypeId: string): string[] {
  const { created, modified } = systemPropertyNames(objectTypeId);
  const own: Record<string, string[]> = {
    '0-1': ['email', 'firstname', 'lastname'],
    '0-2': ['domain', 'name'],
    '0-3': ['amount', 'closedate', 'dealname', 'dealstage', 'pipeline'],
  };
  return [created, 'hs_object_id', modified, ...(own[objectTypeId] ?? [])].sort();
}

/**
 * The deals' default pipeline, which every portal starts with; other objects start with none
 * (https://developers.hubspot.com/docs/api/crm/pipelines). Deal stages carry a probability in their metadata.
 */
export const DEFAULT_DEAL_PIPELINE = {
  pipelineId: 'default',
  label: 'Sales Pipeline',
  displayOrder: 0,
  stages: [
    {
      stageId: 'appointmentscheduled',
      label: 'Appointment Scheduled',
      metadata: { isClosed: 'false', probability: '0.2' },
    },
    { stageId: 'qualifiedtobuy', label: 'Qualified To Buy', metadata: { isClosed: 'false', probability: '0.4' } },
    {
      stageId: 'presentationscheduled',
      label: 'Presentation Scheduled',
      metadata: { isClosed: 'false', probability: '0.6' },
    },
    {
      stageId: 'decisionmakerboughtin',
      label: 'Decision Maker Bought-In',
      metadata: { isClosed: 'false', probability: '0.8' },
    },
    { stageId: 'contractsent', label: 'Contract Sent', metadata: { isClosed: 'false', probability: '0.9' } },
    { stageId: 'closedwon', label: 'Closed Won', metadata: { isClosed: 'true', probability: '1.0' } },
    { stageId: 'closedlost', label: 'Closed Lost', metadata: { isClosed: 'true', probability: '0.0' } },
  ],
} as const;

export interface AssociationTypeDefinition {
  typeId: number;
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
  fromObjectTypeId: string;
  toObjectTypeId: string;
  label: string | null;
  name: string | null;
  inverseTypeId: number;
}

/**
 * HUBSPOT_DEFINED association types between the standard objects this project uses, both directions, with the id of
 * the inverse. Ids: https://developers.hubspot.com/docs/api/crm/associations#association-type-id-values (the same
 * table is in HubSpot's own SDK helper, hubspot-api-ruby lib/hubspot/helpers/association_type.rb). The unlabeled type
 * of a pair is its default; "Primary" (contact/company 1 and 2, deal to company 5 and 6) is a HubSpot label.
 */
export const HUBSPOT_DEFINED_ASSOCIATIONS: readonly AssociationTypeDefinition[] = (
  [
    ['0-1', '0-2', 279, 280, null],
    ['0-1', '0-2', 1, 2, 'Primary'],
    ['0-3', '0-1', 3, 4, null],
    ['0-3', '0-2', 341, 342, null],
    ['0-3', '0-2', 5, 6, 'Primary'],
    ['0-46', '0-2', 190, 189, null],
    ['0-46', '0-1', 202, 201, null],
    ['0-46', '0-3', 214, 213, null],
    ['0-27', '0-2', 192, 191, null],
    ['0-27', '0-1', 204, 203, null],
    ['0-27', '0-3', 216, 215, null],
  ] as const
).flatMap(([from, to, typeId, inverseTypeId, label]) => [
  { typeId, category: 'HUBSPOT_DEFINED', fromObjectTypeId: from, toObjectTypeId: to, label, name: null, inverseTypeId },
  {
    typeId: inverseTypeId,
    category: 'HUBSPOT_DEFINED',
    fromObjectTypeId: to,
    toObjectTypeId: from,
    label,
    name: null,
    inverseTypeId: typeId,
  },
]);

/** GET /account-info/v3/details (https://developers.hubspot.com/docs/api/settings/account-information-api). */
export function accountDetails(portalId: number) {
  return {
    portalId,
    accountType: 'STANDARD',
    timeZone: 'US/Eastern',
    companyCurrency: 'USD',
    additionalCurrencies: [],
    utcOffset: '-05:00',
    utcOffsetMilliseconds: -18_000_000,
    uiDomain: 'app.hubspot.com',
    dataHostingLocation: 'na1',
  };
}

/** The time zone the portal's daily API limit resets in ("midnight based on your time zone setting"). */
export const PORTAL_TIME_ZONE = 'America/New_York';

export interface OwnerSeed {
  ownerId: number;
  userId: number;
  email: string;
  firstName: string;
  lastName: string;
  teams: Array<{ id: string; name: string; primary: boolean }>;
}

const liaisons = { id: '4100001', name: 'Community Liaisons', primary: true };
const intake = { id: '4100002', name: 'Intake', primary: true };
const leadership = { id: '4100003', name: 'Sales Leadership', primary: true };

/** An agency's sales team: three community liaisons, an intake coordinator and the sales director. */
export const SEED_OWNERS: readonly OwnerSeed[] = [
  {
    ownerId: 71000101,
    userId: 9100101,
    email: 'maria.alvarez@sunrise-care.example',
    firstName: 'Maria',
    lastName: 'Alvarez',
    teams: [liaisons],
  },
  {
    ownerId: 71000102,
    userId: 9100102,
    email: 'james.okafor@sunrise-care.example',
    firstName: 'James',
    lastName: 'Okafor',
    teams: [liaisons],
  },
  {
    ownerId: 71000103,
    userId: 9100103,
    email: 'priya.nair@sunrise-care.example',
    firstName: 'Priya',
    lastName: 'Nair',
    teams: [liaisons],
  },
  {
    ownerId: 71000104,
    userId: 9100104,
    email: 'dana.whitfield@sunrise-care.example',
    firstName: 'Dana',
    lastName: 'Whitfield',
    teams: [intake],
  },
  {
    ownerId: 71000105,
    userId: 9100105,
    email: 'robert.chen@sunrise-care.example',
    firstName: 'Robert',
    lastName: 'Chen',
    teams: [leadership],
  },
];

/** Where the sandbox's generated ids start, per counter (records, custom object types "2-N", pipelines and stages,
 * USER_DEFINED association types): distinct ranges so an id used in the wrong place does not pass by accident. */
export const ID_SEQUENCE_STARTS = {
  object: 1001,
  objectType: 101,
  pipeline: 5001,
  associationType: 2001,
} as const;

export type IdSequence = keyof typeof ID_SEQUENCE_STARTS;
