import path from 'node:path';
import { packageRoot } from '../../src/config/packageRoot';
import { loadMigrations, migrate } from '../../src/store/migrate';
import { inTransaction, type Pool, type PoolClient } from '../../src/store/postgres';
import {
  DEFAULT_DEAL_PIPELINE,
  ID_SEQUENCE_STARTS,
  SEED_OWNERS,
  STANDARD_OBJECTS,
  type AssociationTypeDefinition,
  type IdSequence,
  type PropertyDefinition,
  type PropertyGroupDefinition,
} from './catalog';

/**
 * All the sandbox's SQL. A store is bound to one portal: every statement is scoped by its portal id.
 * Tables: server/sandbox/migrations (schema crm_sandbox).
 */

/** Any fixed number, distinct from the product's own migration lock (src/store/migrate.ts). */
const SANDBOX_MIGRATION_LOCK_KEY = 727_101;
export const SANDBOX_SCHEMA = 'crm_sandbox';

type Queryable = Pool | PoolClient;

export interface ObjectTypeRow {
  objectTypeId: string;
  name: string;
  fullyQualifiedName: string;
  custom: boolean;
  labels: { singular: string; plural: string };
  description: string | null;
  primaryDisplayProperty: string | null;
  secondaryDisplayProperties: string[];
  searchableProperties: string[];
  requiredProperties: string[];
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredProperty extends PropertyDefinition {
  archived: boolean;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredGroup extends PropertyGroupDefinition {
  archived: boolean;
}

export interface StageRow {
  stageId: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface PipelineRow {
  pipelineId: string;
  label: string;
  displayOrder: number;
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
  stages: StageRow[];
}

export interface CrmRecord {
  objectId: number;
  properties: Record<string, string>;
  archived: boolean;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AssociationRow {
  fromObjectId: number;
  toObjectTypeId: string;
  toObjectId: number;
  category: string;
  typeId: number;
}

export interface OwnerRow {
  ownerId: number;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  teams: Array<{ id: string; name: string; primary: boolean }>;
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A value of a record in SQL: a system column or a property of the jsonb object. */
export type ValueRef = { column: 'object_id' | 'created_at' | 'updated_at' } | { property: string };

/** How a search compares values: HubSpot compares numbers as numbers and dates as instants, the rest as text. */
export type ValueKind = 'number' | 'datetime' | 'date' | 'text';

export type FilterOperator =
  | 'EQ'
  | 'NEQ'
  | 'LT'
  | 'LTE'
  | 'GT'
  | 'GTE'
  | 'BETWEEN'
  | 'IN'
  | 'NOT_IN'
  | 'HAS_PROPERTY'
  | 'NOT_HAS_PROPERTY'
  | 'CONTAINS_TOKEN'
  | 'NOT_CONTAINS_TOKEN';

export interface CompiledFilter {
  ref: ValueRef;
  kind: ValueKind;
  operator: FilterOperator;
  /** Already normalized to the kind (numbers as decimal strings, instants as ISO strings, dates as YYYY-MM-DD). */
  values: string[];
}

export interface RecordQuery {
  /** OR of groups, AND within a group; empty means every record. */
  filterGroups: CompiledFilter[][];
  /** Free text matched against these properties (HubSpot's `query`). */
  text?: { value: string; properties: string[] };
  sort: { ref: ValueRef; kind: ValueKind; descending: boolean };
  limit: number;
  offset: number;
}

const STANDARD_SINGULAR_NAMES = new Map(STANDARD_OBJECTS.map((o) => [o.singular, o.name]));

export class SandboxStore {
  private constructor(
    private readonly db: Queryable,
    private readonly pool: Pool,
    readonly portalId: number,
  ) {}

  /**
   * Migrates the crm_sandbox schema (idempotent, under its own advisory lock) and seeds the portal the first time it
   * is seen, so a restart finds the same CRM.
   */
  static async open(pool: Pool, portalId: number): Promise<SandboxStore> {
    const dir = path.join(packageRoot(), 'server', 'sandbox', 'migrations');
    await migrate(pool, loadMigrations(dir), { schema: SANDBOX_SCHEMA, lockKey: SANDBOX_MIGRATION_LOCK_KEY });
    const store = new SandboxStore(pool, pool, portalId);
    await store.transaction((tx) => tx.seedPortal());
    return store;
  }

  /** Runs `work` in one transaction with a store bound to it: all of it is committed, or none of it. */
  transaction<T>(work: (tx: SandboxStore) => Promise<T>): Promise<T> {
    if (this.db !== this.pool) return work(this);
    return inTransaction(this.pool, (client) => work(new SandboxStore(client, this.pool, this.portalId)));
  }

  private async query<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
    const result = await this.db.query<R>(sql, [this.portalId, ...params]);
    return result.rows;
  }

  // ---- Portal seeding ----------------------------------------------------------------------------------------

  private async seedPortal(): Promise<void> {
    // The insert waits on a concurrent seeder of the same portal, then finds the row and skips: seeded once.
    const inserted = await this.query(
      'INSERT INTO crm_sandbox.portals (portal_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING portal_id',
    );
    if (inserted.length === 0) return;
    for (const [name, start] of Object.entries(ID_SEQUENCE_STARTS)) {
      await this.query('INSERT INTO crm_sandbox.id_sequences (portal_id, name, next_value) VALUES ($1, $2, $3)', [
        name,
        start,
      ]);
    }
    for (const standard of STANDARD_OBJECTS) {
      await this.insertObjectType({
        objectTypeId: standard.objectTypeId,
        name: standard.name,
        fullyQualifiedName: standard.name,
        custom: false,
        labels: standard.labels,
        description: null,
        primaryDisplayProperty: standard.primaryDisplayProperty,
        secondaryDisplayProperties: standard.secondaryDisplayProperties,
        searchableProperties: standard.searchableProperties,
        requiredProperties: standard.requiredProperties,
      });
      for (const group of standard.groups) await this.insertGroup(standard.objectTypeId, group);
      await this.insertProperties(standard.objectTypeId, standard.properties);
    }
    await this.insertPipeline('0-3', {
      pipelineId: DEFAULT_DEAL_PIPELINE.pipelineId,
      label: DEFAULT_DEAL_PIPELINE.label,
      displayOrder: DEFAULT_DEAL_PIPELINE.displayOrder,
      stages: DEFAULT_DEAL_PIPELINE.stages.map((stage, displayOrder) => ({ ...stage, displayOrder })),
    });
    for (const owner of SEED_OWNERS) {
      await this.query(
        `INSERT INTO crm_sandbox.owners (portal_id, owner_id, email, first_name, last_name, user_id, teams)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [owner.ownerId, owner.email, owner.firstName, owner.lastName, owner.userId, JSON.stringify(owner.teams)],
      );
    }
  }

  // ---- Ids ---------------------------------------------------------------------------------------------------

  /** Reserves `count` consecutive ids of a counter in one statement and returns them. */
  async nextIds(sequence: IdSequence, count: number): Promise<number[]> {
    if (count === 0) return [];
    const rows = await this.query<{ first: number }>(
      `UPDATE crm_sandbox.id_sequences SET next_value = next_value + $3
       WHERE portal_id = $1 AND name = $2 RETURNING next_value - $3 AS first`,
      [sequence, count],
    );
    const first = rows[0]?.first;
    if (first === undefined) throw new Error(`id sequence ${sequence} missing for portal ${this.portalId}`);
    return Array.from({ length: count }, (_, i) => first + i);
  }

  // ---- Object types ------------------------------------------------------------------------------------------

  private static readonly objectTypeColumns = `object_type_id AS "objectTypeId", name, fully_qualified_name AS "fullyQualifiedName",
    custom, labels, description, primary_display_property AS "primaryDisplayProperty",
    secondary_display_properties AS "secondaryDisplayProperties", searchable_properties AS "searchableProperties",
    required_properties AS "requiredProperties", archived, created_at AS "createdAt", updated_at AS "updatedAt"`;

  async listObjectTypes(): Promise<ObjectTypeRow[]> {
    return this.query<ObjectTypeRow>(
      `SELECT ${SandboxStore.objectTypeColumns} FROM crm_sandbox.object_types WHERE portal_id = $1 ORDER BY created_at, object_type_id`,
    );
  }

  /**
   * An object type by any name HubSpot accepts in a path: its id (0-1, 2-123), its name (contacts, or a custom
   * object's name), a standard object's singular (contact), or a custom object's fullyQualifiedName (p123_referral).
   * Case-insensitive, as HubSpot's own examples use "Contacts".
   */
  async findObjectType(reference: string): Promise<ObjectTypeRow | undefined> {
    const ref = reference.toLowerCase();
    const name = STANDARD_SINGULAR_NAMES.get(ref) ?? ref;
    const rows = await this.query<ObjectTypeRow>(
      `SELECT ${SandboxStore.objectTypeColumns} FROM crm_sandbox.object_types
       WHERE portal_id = $1 AND NOT archived AND (object_type_id = $2 OR lower(name) = $3 OR lower(fully_qualified_name) = $2)`,
      [ref, name],
    );
    return rows[0];
  }

  async insertObjectType(row: Omit<ObjectTypeRow, 'archived' | 'createdAt' | 'updatedAt'>): Promise<void> {
    await this.query(
      `INSERT INTO crm_sandbox.object_types (portal_id, object_type_id, name, fully_qualified_name, custom, labels, description,
         primary_display_property, secondary_display_properties, searchable_properties, required_properties)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        row.objectTypeId,
        row.name,
        row.fullyQualifiedName,
        row.custom,
        JSON.stringify(row.labels),
        row.description,
        row.primaryDisplayProperty,
        JSON.stringify(row.secondaryDisplayProperties),
        JSON.stringify(row.searchableProperties),
        JSON.stringify(row.requiredProperties),
      ],
    );
  }

  async updateObjectType(
    objectTypeId: string,
    changes: Pick<
      ObjectTypeRow,
      | 'labels'
      | 'description'
      | 'primaryDisplayProperty'
      | 'secondaryDisplayProperties'
      | 'searchableProperties'
      | 'requiredProperties'
    >,
  ): Promise<void> {
    await this.query(
      `UPDATE crm_sandbox.object_types SET labels = $3, description = $4, primary_display_property = $5,
         secondary_display_properties = $6, searchable_properties = $7, required_properties = $8, updated_at = now()
       WHERE portal_id = $1 AND object_type_id = $2`,
      [
        objectTypeId,
        JSON.stringify(changes.labels),
        changes.description,
        changes.primaryDisplayProperty,
        JSON.stringify(changes.secondaryDisplayProperties),
        JSON.stringify(changes.searchableProperties),
        JSON.stringify(changes.requiredProperties),
      ],
    );
  }

  // ---- Property groups ---------------------------------------------------------------------------------------

  async listGroups(objectTypeId: string): Promise<StoredGroup[]> {
    return this.query<StoredGroup>(
      `SELECT name, label, display_order AS "displayOrder", archived FROM crm_sandbox.property_groups
       WHERE portal_id = $1 AND object_type_id = $2 AND NOT archived ORDER BY display_order, name`,
      [objectTypeId],
    );
  }

  async getGroup(objectTypeId: string, name: string): Promise<StoredGroup | undefined> {
    const rows = await this.query<StoredGroup>(
      `SELECT name, label, display_order AS "displayOrder", archived FROM crm_sandbox.property_groups
       WHERE portal_id = $1 AND object_type_id = $2 AND name = $3`,
      [objectTypeId, name],
    );
    return rows[0];
  }

  async insertGroup(objectTypeId: string, group: PropertyGroupDefinition): Promise<void> {
    await this.query(
      `INSERT INTO crm_sandbox.property_groups (portal_id, object_type_id, name, label, display_order) VALUES ($1, $2, $3, $4, $5)`,
      [objectTypeId, group.name, group.label, group.displayOrder],
    );
  }

  async updateGroup(objectTypeId: string, group: PropertyGroupDefinition): Promise<void> {
    await this.query(
      `UPDATE crm_sandbox.property_groups SET label = $4, display_order = $5 WHERE portal_id = $1 AND object_type_id = $2 AND name = $3`,
      [objectTypeId, group.name, group.label, group.displayOrder],
    );
  }

  // ---- Properties --------------------------------------------------------------------------------------------

  private static readonly propertyColumns = `definition, has_unique_value AS "hasUniqueValue", archived, archived_at AS "archivedAt",
    created_at AS "createdAt", updated_at AS "updatedAt"`;

  private static toProperty(row: {
    definition: PropertyDefinition;
    hasUniqueValue: boolean;
    archived: boolean;
    archivedAt: Date | null;
    createdAt: Date;
    updatedAt: Date;
  }): StoredProperty {
    const { definition, ...rest } = row;
    return { ...definition, ...rest };
  }

  async listProperties(objectTypeId: string, options: { archived?: boolean } = {}): Promise<StoredProperty[]> {
    const rows = await this.query<Parameters<typeof SandboxStore.toProperty>[0]>(
      `SELECT ${SandboxStore.propertyColumns} FROM crm_sandbox.properties
       WHERE portal_id = $1 AND object_type_id = $2 AND archived = $3 ORDER BY created_at, name`,
      [objectTypeId, options.archived ?? false],
    );
    return rows.map((row) => SandboxStore.toProperty(row));
  }

  /** The property, archived or not (a create of an archived name is still a conflict in HubSpot). */
  async getProperty(objectTypeId: string, name: string): Promise<StoredProperty | undefined> {
    const rows = await this.query<Parameters<typeof SandboxStore.toProperty>[0]>(
      `SELECT ${SandboxStore.propertyColumns} FROM crm_sandbox.properties WHERE portal_id = $1 AND object_type_id = $2 AND name = $3`,
      [objectTypeId, name],
    );
    return rows[0] ? SandboxStore.toProperty(rows[0]) : undefined;
  }

  async insertProperties(objectTypeId: string, definitions: readonly PropertyDefinition[]): Promise<void> {
    if (definitions.length === 0) return;
    await this.query(
      `INSERT INTO crm_sandbox.properties (portal_id, object_type_id, name, definition, has_unique_value)
       SELECT $1, $2, d->>'name', d, coalesce((d->>'hasUniqueValue')::boolean, false) FROM jsonb_array_elements($3::jsonb) AS d`,
      [objectTypeId, JSON.stringify(definitions)],
    );
  }

  async updateProperty(objectTypeId: string, definition: PropertyDefinition): Promise<void> {
    await this.query(
      `UPDATE crm_sandbox.properties SET definition = $4, updated_at = now() WHERE portal_id = $1 AND object_type_id = $2 AND name = $3`,
      [objectTypeId, definition.name, JSON.stringify(definition)],
    );
  }

  async archiveProperty(objectTypeId: string, name: string): Promise<void> {
    await this.query(
      `UPDATE crm_sandbox.properties SET archived = true, archived_at = now(), updated_at = now()
       WHERE portal_id = $1 AND object_type_id = $2 AND name = $3`,
      [objectTypeId, name],
    );
  }

  // ---- Pipelines ---------------------------------------------------------------------------------------------

  async listPipelines(objectTypeId: string, options: { includeArchived?: boolean } = {}): Promise<PipelineRow[]> {
    const pipelines = await this.query<Omit<PipelineRow, 'stages'>>(
      `SELECT pipeline_id AS "pipelineId", label, display_order AS "displayOrder", archived, created_at AS "createdAt", updated_at AS "updatedAt"
       FROM crm_sandbox.pipelines WHERE portal_id = $1 AND object_type_id = $2 AND (NOT archived OR $3)
       ORDER BY display_order, created_at, pipeline_id`,
      [objectTypeId, options.includeArchived ?? false],
    );
    const stages = await this.query<StageRow & { pipelineId: string }>(
      `SELECT pipeline_id AS "pipelineId", stage_id AS "stageId", label, display_order AS "displayOrder", metadata, archived,
         created_at AS "createdAt", updated_at AS "updatedAt"
       FROM crm_sandbox.pipeline_stages WHERE portal_id = $1 AND object_type_id = $2 AND (NOT archived OR $3)
       ORDER BY display_order, created_at, stage_id`,
      [objectTypeId, options.includeArchived ?? false],
    );
    return pipelines.map((pipeline) => ({
      ...pipeline,
      stages: stages.filter((s) => s.pipelineId === pipeline.pipelineId).map(({ pipelineId: _, ...stage }) => stage),
    }));
  }

  async insertPipeline(
    objectTypeId: string,
    pipeline: {
      pipelineId: string;
      label: string;
      displayOrder: number;
      stages: ReadonlyArray<{ stageId: string; label: string; displayOrder: number; metadata: Record<string, string> }>;
    },
  ): Promise<void> {
    await this.query(
      `INSERT INTO crm_sandbox.pipelines (portal_id, object_type_id, pipeline_id, label, display_order) VALUES ($1, $2, $3, $4, $5)`,
      [objectTypeId, pipeline.pipelineId, pipeline.label, pipeline.displayOrder],
    );
    for (const stage of pipeline.stages) await this.insertStage(objectTypeId, pipeline.pipelineId, stage);
  }

  async updatePipeline(
    objectTypeId: string,
    pipelineId: string,
    changes: { label: string; displayOrder: number; archived: boolean },
  ): Promise<void> {
    await this.query(
      `UPDATE crm_sandbox.pipelines SET label = $4, display_order = $5, archived = $6, updated_at = now()
       WHERE portal_id = $1 AND object_type_id = $2 AND pipeline_id = $3`,
      [objectTypeId, pipelineId, changes.label, changes.displayOrder, changes.archived],
    );
  }

  async insertStage(
    objectTypeId: string,
    pipelineId: string,
    stage: { stageId: string; label: string; displayOrder: number; metadata: Record<string, string> },
  ): Promise<void> {
    await this.query(
      `INSERT INTO crm_sandbox.pipeline_stages (portal_id, object_type_id, pipeline_id, stage_id, label, display_order, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [objectTypeId, pipelineId, stage.stageId, stage.label, stage.displayOrder, JSON.stringify(stage.metadata)],
    );
  }

  async updateStage(
    objectTypeId: string,
    pipelineId: string,
    stage: {
      stageId: string;
      label: string;
      displayOrder: number;
      metadata: Record<string, string>;
      archived: boolean;
    },
  ): Promise<void> {
    await this.query(
      `UPDATE crm_sandbox.pipeline_stages SET label = $5, display_order = $6, metadata = $7, archived = $8, updated_at = now()
       WHERE portal_id = $1 AND object_type_id = $2 AND pipeline_id = $3 AND stage_id = $4`,
      [
        objectTypeId,
        pipelineId,
        stage.stageId,
        stage.label,
        stage.displayOrder,
        JSON.stringify(stage.metadata),
        stage.archived,
      ],
    );
  }

  // ---- Records -----------------------------------------------------------------------------------------------

  /**
   * Serializes writes to one object type for the rest of the transaction, so that checking a unique value and
   * writing it cannot interleave with another request doing the same.
   */
  async lockObjectType(objectTypeId: string): Promise<void> {
    await this.query(`SELECT pg_advisory_xact_lock(hashtextextended('crm_sandbox:' || $1 || ':' || $2, 0))`, [
      objectTypeId,
    ]);
  }

  private static readonly recordColumns = `object_id AS "objectId", properties, archived, archived_at AS "archivedAt",
    created_at AS "createdAt", updated_at AS "updatedAt"`;

  async getRecords(
    objectTypeId: string,
    objectIds: readonly number[],
    options: { includeArchived?: boolean } = {},
  ): Promise<Map<number, CrmRecord>> {
    if (objectIds.length === 0) return new Map();
    const rows = await this.query<CrmRecord>(
      `SELECT ${SandboxStore.recordColumns} FROM crm_sandbox.objects
       WHERE portal_id = $1 AND object_type_id = $2 AND object_id = ANY($3::bigint[]) AND (NOT archived OR $4)`,
      [objectTypeId, objectIds, options.includeArchived ?? false],
    );
    return new Map(rows.map((row) => [row.objectId, row]));
  }

  /** Live records holding the given values of a unique property: value -> object id. */
  async findByUniqueValues(
    objectTypeId: string,
    propertyName: string,
    values: readonly string[],
  ): Promise<Map<string, number>> {
    if (values.length === 0) return new Map();
    const rows = await this.query<{ value: string; objectId: number }>(
      `SELECT value, object_id AS "objectId" FROM crm_sandbox.unique_values
       WHERE portal_id = $1 AND object_type_id = $2 AND property_name = $3 AND value = ANY($4::text[])`,
      [objectTypeId, propertyName, values],
    );
    return new Map(rows.map((row) => [row.value, row.objectId]));
  }

  /** Inserts new records, all in one statement. */
  async insertRecords(
    objectTypeId: string,
    records: ReadonlyArray<{ objectId: number; properties: Record<string, string> }>,
    at: Date,
  ): Promise<void> {
    if (records.length === 0) return;
    await this.query(
      `INSERT INTO crm_sandbox.objects (portal_id, object_type_id, object_id, properties, created_at, updated_at)
       SELECT $1, $2, (t.r->>'objectId')::bigint, t.r->'properties', $4, $4 FROM unnest($3::jsonb[]) AS t(r)`,
      [objectTypeId, records.map((r) => JSON.stringify(r)), at],
    );
  }

  /** Replaces the property values of existing records (already merged with what they had), in one statement. */
  async updateRecords(
    objectTypeId: string,
    records: ReadonlyArray<{ objectId: number; properties: Record<string, string> }>,
    at: Date,
  ): Promise<void> {
    if (records.length === 0) return;
    await this.query(
      `UPDATE crm_sandbox.objects AS o SET properties = t.r->'properties', updated_at = $4
       FROM unnest($3::jsonb[]) AS t(r)
       WHERE o.portal_id = $1 AND o.object_type_id = $2 AND o.object_id = (t.r->>'objectId')::bigint`,
      [objectTypeId, records.map((r) => JSON.stringify(r)), at],
    );
  }

  /**
   * Records the unique values the given records now hold (null clears one). The primary key of unique_values makes
   * a duplicate impossible even if a caller skipped its check.
   */
  async setUniqueValues(
    objectTypeId: string,
    entries: ReadonlyArray<{ objectId: number; propertyName: string; value: string | null }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    await this.query(
      `DELETE FROM crm_sandbox.unique_values AS u USING unnest($3::bigint[], $4::text[]) AS e(object_id, property_name)
       WHERE u.portal_id = $1 AND u.object_type_id = $2 AND u.object_id = e.object_id AND u.property_name = e.property_name`,
      [objectTypeId, entries.map((e) => e.objectId), entries.map((e) => e.propertyName)],
    );
    const kept = entries.filter(
      (e): e is { objectId: number; propertyName: string; value: string } => e.value !== null,
    );
    if (kept.length === 0) return;
    await this.query(
      `INSERT INTO crm_sandbox.unique_values (portal_id, object_type_id, property_name, value, object_id)
       SELECT $1, $2, e.property_name, e.value, e.object_id FROM unnest($3::bigint[], $4::text[], $5::text[]) AS e(object_id, property_name, value)`,
      [objectTypeId, kept.map((e) => e.objectId), kept.map((e) => e.propertyName), kept.map((e) => e.value)],
    );
  }

  /** Archives records (HubSpot's recycle bin) and frees their unique values for other records. Returns those archived. */
  async archiveRecords(objectTypeId: string, objectIds: readonly number[]): Promise<number[]> {
    if (objectIds.length === 0) return [];
    await this.query(
      `DELETE FROM crm_sandbox.unique_values WHERE portal_id = $1 AND object_type_id = $2 AND object_id = ANY($3::bigint[])`,
      [objectTypeId, objectIds],
    );
    const rows = await this.query<{ objectId: number }>(
      `UPDATE crm_sandbox.objects SET archived = true, archived_at = now(), updated_at = now()
       WHERE portal_id = $1 AND object_type_id = $2 AND object_id = ANY($3::bigint[]) AND NOT archived
       RETURNING object_id AS "objectId"`,
      [objectTypeId, objectIds],
    );
    return rows.map((row) => row.objectId);
  }

  /** A page of records in id order, after the given id (the list endpoint's cursor). */
  async listRecords(
    objectTypeId: string,
    options: { after: number; limit: number; archived: boolean },
  ): Promise<CrmRecord[]> {
    return this.query<CrmRecord>(
      `SELECT ${SandboxStore.recordColumns} FROM crm_sandbox.objects
       WHERE portal_id = $1 AND object_type_id = $2 AND archived = $3 AND object_id > $4 ORDER BY object_id LIMIT $5`,
      [objectTypeId, options.archived, options.after, options.limit],
    );
  }

  /** Records matching a search, one page of them, and how many match in all. */
  async searchRecords(objectTypeId: string, search: RecordQuery): Promise<{ total: number; records: CrmRecord[] }> {
    const params: unknown[] = [objectTypeId];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length + 1}`;
    };
    const conditions = ['portal_id = $1', 'object_type_id = $2', 'NOT archived'];
    if (search.filterGroups.length > 0) {
      conditions.push(
        `(${search.filterGroups.map((group) => `(${group.map((f) => filterSql(f, param)).join(' AND ')})`).join(' OR ')})`,
      );
    }
    if (search.text && search.text.properties.length > 0) {
      const pattern = param(`%${escapeLike(search.text.value)}%`);
      conditions.push(
        `(${search.text.properties.map((p) => `properties->>${param(p)} ILIKE ${pattern}`).join(' OR ')})`,
      );
    }
    const where = conditions.join(' AND ');
    const totalRows = await this.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM crm_sandbox.objects WHERE ${where}`,
      params,
    );
    const sortExpr = typedSql(search.sort.ref, search.sort.kind, param);
    const direction = search.sort.descending ? 'DESC' : 'ASC';
    const records = await this.query<CrmRecord>(
      `SELECT ${SandboxStore.recordColumns} FROM crm_sandbox.objects WHERE ${where}
       ORDER BY ${sortExpr} ${direction} NULLS LAST, object_id ${direction} LIMIT ${param(search.limit)} OFFSET ${param(search.offset)}`,
      params,
    );
    return { total: totalRows[0]?.total ?? 0, records };
  }

  // ---- Association types -------------------------------------------------------------------------------------

  private static readonly associationTypeColumns = `type_id AS "typeId", category, from_object_type_id AS "fromObjectTypeId",
    to_object_type_id AS "toObjectTypeId", label, name, inverse_type_id AS "inverseTypeId"`;

  /** USER_DEFINED association types, of one pair of object types or (without arguments) all of them. */
  async listAssociationTypes(pair?: { from: string; to: string }): Promise<AssociationTypeDefinition[]> {
    return this.query<AssociationTypeDefinition>(
      `SELECT ${SandboxStore.associationTypeColumns} FROM crm_sandbox.association_types
       WHERE portal_id = $1 AND ($2::text IS NULL OR (from_object_type_id = $2 AND to_object_type_id = $3)) ORDER BY type_id`,
      [pair?.from ?? null, pair?.to ?? null],
    );
  }

  async insertAssociationTypes(types: readonly AssociationTypeDefinition[]): Promise<void> {
    for (const t of types) {
      await this.query(
        `INSERT INTO crm_sandbox.association_types (portal_id, type_id, category, from_object_type_id, to_object_type_id, name, label, inverse_type_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [t.typeId, t.category, t.fromObjectTypeId, t.toObjectTypeId, t.name, t.label, t.inverseTypeId],
      );
    }
  }

  async updateAssociationTypeLabel(typeId: number, label: string | null): Promise<void> {
    await this.query(
      `UPDATE crm_sandbox.association_types SET label = $3, updated_at = now() WHERE portal_id = $1 AND category = 'USER_DEFINED' AND type_id = $2`,
      [typeId, label],
    );
  }

  /** Deletes a USER_DEFINED type and every association made with it. */
  async deleteAssociationType(typeId: number): Promise<void> {
    await this.query(
      `DELETE FROM crm_sandbox.associations WHERE portal_id = $1 AND category = 'USER_DEFINED' AND type_id = $2`,
      [typeId],
    );
    await this.query(
      `DELETE FROM crm_sandbox.association_types WHERE portal_id = $1 AND category = 'USER_DEFINED' AND type_id = $2`,
      [typeId],
    );
  }

  // ---- Associations ------------------------------------------------------------------------------------------

  async addAssociations(
    rows: ReadonlyArray<{
      fromObjectTypeId: string;
      fromObjectId: number;
      toObjectTypeId: string;
      toObjectId: number;
      category: string;
      typeId: number;
    }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.query(
      `INSERT INTO crm_sandbox.associations (portal_id, from_object_type_id, from_object_id, to_object_type_id, to_object_id, category, type_id)
       SELECT $1, a.f, a.fi, a.t, a.ti, a.c, a.ty FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::int[])
         AS a(f, fi, t, ti, c, ty)
       ON CONFLICT DO NOTHING`,
      [
        rows.map((r) => r.fromObjectTypeId),
        rows.map((r) => r.fromObjectId),
        rows.map((r) => r.toObjectTypeId),
        rows.map((r) => r.toObjectId),
        rows.map((r) => r.category),
        rows.map((r) => r.typeId),
      ],
    );
  }

  /**
   * Removes associations between one record and others of a type, in both directions: all types, or only the
   * given (category, typeId) pairs of the from->to direction and their inverses.
   */
  async removeAssociations(
    from: { objectTypeId: string; objectId: number },
    to: { objectTypeId: string; objectIds: readonly number[] },
    types?: ReadonlyArray<{ category: string; typeId: number; inverseTypeId: number }>,
  ): Promise<void> {
    if (to.objectIds.length === 0) return;
    const forward = types?.map((t) => `${t.category}:${t.typeId}`) ?? null;
    const inverse = types?.map((t) => `${t.category}:${t.inverseTypeId}`) ?? null;
    await this.query(
      `DELETE FROM crm_sandbox.associations WHERE portal_id = $1 AND (
         (from_object_type_id = $2 AND from_object_id = $3 AND to_object_type_id = $4 AND to_object_id = ANY($5::bigint[])
           AND ($6::text[] IS NULL OR category || ':' || type_id = ANY($6::text[])))
         OR (from_object_type_id = $4 AND from_object_id = ANY($5::bigint[]) AND to_object_type_id = $2 AND to_object_id = $3
           AND ($7::text[] IS NULL OR category || ':' || type_id = ANY($7::text[]))))`,
      [from.objectTypeId, from.objectId, to.objectTypeId, to.objectIds, forward, inverse],
    );
  }

  /** Associations from the given records to records of one type, in (from, to) id order. */
  async listAssociations(
    fromObjectTypeId: string,
    fromObjectIds: readonly number[],
    toObjectTypeId: string,
  ): Promise<AssociationRow[]> {
    if (fromObjectIds.length === 0) return [];
    return this.query<AssociationRow>(
      `SELECT a.from_object_id AS "fromObjectId", a.to_object_type_id AS "toObjectTypeId", a.to_object_id AS "toObjectId", a.category, a.type_id AS "typeId"
       FROM crm_sandbox.associations a
       JOIN crm_sandbox.objects o ON o.portal_id = a.portal_id AND o.object_type_id = a.to_object_type_id AND o.object_id = a.to_object_id AND NOT o.archived
       WHERE a.portal_id = $1 AND a.from_object_type_id = $2 AND a.from_object_id = ANY($3::bigint[]) AND a.to_object_type_id = $4
       ORDER BY a.from_object_id, a.to_object_id, a.category, a.type_id`,
      [fromObjectTypeId, fromObjectIds, toObjectTypeId],
    );
  }

  // ---- Owners ------------------------------------------------------------------------------------------------

  private static readonly ownerColumns = `owner_id AS "ownerId", email, first_name AS "firstName", last_name AS "lastName",
    user_id AS "userId", teams, archived, created_at AS "createdAt", updated_at AS "updatedAt"`;

  async listOwners(options: { after: number; limit: number; email?: string; archived: boolean }): Promise<OwnerRow[]> {
    return this.query<OwnerRow>(
      `SELECT ${SandboxStore.ownerColumns} FROM crm_sandbox.owners
       WHERE portal_id = $1 AND archived = $2 AND owner_id > $3 AND ($4::text IS NULL OR lower(email) = lower($4))
       ORDER BY owner_id LIMIT $5`,
      [options.archived, options.after, options.email ?? null, options.limit],
    );
  }

  async getOwner(ownerId: number, options: { archived?: boolean } = {}): Promise<OwnerRow | undefined> {
    const rows = await this.query<OwnerRow>(
      `SELECT ${SandboxStore.ownerColumns} FROM crm_sandbox.owners WHERE portal_id = $1 AND owner_id = $2 AND archived = $3`,
      [ownerId, options.archived ?? false],
    );
    return rows[0];
  }

  async ownerIds(): Promise<Set<string>> {
    const rows = await this.query<{ ownerId: number }>(
      `SELECT owner_id AS "ownerId" FROM crm_sandbox.owners WHERE portal_id = $1 AND NOT archived`,
    );
    return new Set(rows.map((row) => String(row.ownerId)));
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The SQL for a record value, cast so comparisons follow the value's kind. */
function typedSql(ref: ValueRef, kind: ValueKind, param: (value: unknown) => string): string {
  if ('column' in ref) return ref.column;
  const raw = `(properties->>${param(ref.property)})`;
  switch (kind) {
    case 'number':
      return `${raw}::numeric`;
    case 'datetime':
      return `${raw}::timestamptz`;
    default:
      return raw;
  }
}

function castParam(kind: ValueKind, ref: ValueRef): string {
  if ('column' in ref) return ref.column === 'object_id' ? '::bigint' : '::timestamptz';
  return kind === 'number' ? '::numeric' : kind === 'datetime' ? '::timestamptz' : '::text';
}

/** One search filter as SQL (https://developers.hubspot.com/docs/api/crm/search#filter-search-results). */
function filterSql(filter: CompiledFilter, param: (value: unknown) => string): string {
  const expr = typedSql(filter.ref, filter.kind, param);
  const cast = castParam(filter.kind, filter.ref);
  // Text compares case-insensitively, as HubSpot's search does.
  const text = filter.kind === 'text' && !('column' in filter.ref);
  const left = text ? `lower(${expr})` : expr;
  const value = (v: string | undefined) => (text ? `lower(${param(v ?? '')}${cast})` : `${param(v ?? '')}${cast}`);
  const [first, second] = filter.values;
  switch (filter.operator) {
    case 'EQ':
      return `${left} = ${value(first)}`;
    case 'NEQ':
      // A record without the property is "not equal" too.
      return `(${expr} IS NULL OR ${left} <> ${value(first)})`;
    case 'LT':
      return `${left} < ${value(first)}`;
    case 'LTE':
      return `${left} <= ${value(first)}`;
    case 'GT':
      return `${left} > ${value(first)}`;
    case 'GTE':
      return `${left} >= ${value(first)}`;
    case 'BETWEEN':
      return `${left} BETWEEN ${value(first)} AND ${value(second)}`;
    case 'IN':
      return `${left} IN (${filter.values.map((v) => value(v)).join(', ')})`;
    case 'NOT_IN':
      return `(${expr} IS NULL OR ${left} NOT IN (${filter.values.map((v) => value(v)).join(', ')}))`;
    case 'HAS_PROPERTY':
      return `${expr} IS NOT NULL`;
    case 'NOT_HAS_PROPERTY':
      return `${expr} IS NULL`;
    case 'CONTAINS_TOKEN':
      return tokenSql(expr, first ?? '', param);
    case 'NOT_CONTAINS_TOKEN':
      return `(${expr} IS NULL OR NOT ${tokenSql(expr, first ?? '', param)})`;
  }
}

/**
 * CONTAINS_TOKEN: the value is a whole word of the property, or with `*` a pattern (e.g. "*@hubspot.com")
 * (https://developers.hubspot.com/docs/api/crm/search#filter-search-results).
 */
function tokenSql(expr: string, token: string, param: (value: unknown) => string): string {
  if (token.includes('*')) {
    return `${expr} ILIKE ${param(token.split('*').map(escapeLike).join('%'))}`;
  }
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `${expr} ~* ${param(`(^|[^[:alnum:]])${escaped}($|[^[:alnum:]])`)}`;
}
