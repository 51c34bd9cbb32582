-- The local CRM sandbox keeps the CRM it serves here, in its own schema (crm_sandbox), apart from the product's
-- tables. Every table carries the HubSpot portal id it belongs to and every query is scoped by it.
-- Applied by server/sandbox/store.ts (migrate with its own schema_migrations table and advisory lock).

-- A portal whose standard objects, properties, pipelines and owners have been seeded.
CREATE TABLE crm_sandbox.portals (
  portal_id  bigint PRIMARY KEY,
  seeded_at  timestamptz NOT NULL DEFAULT now()
);

-- Counters for the ids HubSpot generates: record ids, custom object type ids (2-N), pipeline and stage ids,
-- USER_DEFINED association type ids. Taken with UPDATE ... RETURNING so a batch reserves its ids in one statement.
CREATE TABLE crm_sandbox.id_sequences (
  portal_id   bigint NOT NULL REFERENCES crm_sandbox.portals (portal_id),
  name        text NOT NULL,
  next_value  bigint NOT NULL,
  PRIMARY KEY (portal_id, name)
);

-- Standard (0-N) and custom (2-N) object types, with what the schemas API returns about them.
CREATE TABLE crm_sandbox.object_types (
  portal_id                     bigint NOT NULL REFERENCES crm_sandbox.portals (portal_id),
  object_type_id                text NOT NULL,
  name                          text NOT NULL,
  fully_qualified_name          text NOT NULL,
  custom                        boolean NOT NULL,
  labels                        jsonb NOT NULL,
  description                   text,
  primary_display_property      text,
  secondary_display_properties  jsonb NOT NULL DEFAULT '[]'::jsonb,
  searchable_properties         jsonb NOT NULL DEFAULT '[]'::jsonb,
  required_properties           jsonb NOT NULL DEFAULT '[]'::jsonb,
  archived                      boolean NOT NULL DEFAULT false,
  created_at                    timestamptz NOT NULL DEFAULT now(),
  updated_at                    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, object_type_id),
  UNIQUE (portal_id, name)
);

CREATE TABLE crm_sandbox.property_groups (
  portal_id       bigint NOT NULL,
  object_type_id  text NOT NULL,
  name            text NOT NULL,
  label           text NOT NULL,
  display_order   integer NOT NULL DEFAULT -1,
  archived        boolean NOT NULL DEFAULT false,
  PRIMARY KEY (portal_id, object_type_id, name),
  FOREIGN KEY (portal_id, object_type_id) REFERENCES crm_sandbox.object_types (portal_id, object_type_id)
);

-- One row per property definition; `definition` holds the properties API's fields (label, type, fieldType,
-- options, ...) except the ones kept as columns.
CREATE TABLE crm_sandbox.properties (
  portal_id         bigint NOT NULL,
  object_type_id    text NOT NULL,
  name              text NOT NULL,
  definition        jsonb NOT NULL,
  has_unique_value  boolean NOT NULL DEFAULT false,
  archived          boolean NOT NULL DEFAULT false,
  archived_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, object_type_id, name),
  FOREIGN KEY (portal_id, object_type_id) REFERENCES crm_sandbox.object_types (portal_id, object_type_id)
);

CREATE TABLE crm_sandbox.pipelines (
  portal_id       bigint NOT NULL,
  object_type_id  text NOT NULL,
  pipeline_id     text NOT NULL,
  label           text NOT NULL,
  display_order   integer NOT NULL DEFAULT 0,
  archived        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, object_type_id, pipeline_id),
  FOREIGN KEY (portal_id, object_type_id) REFERENCES crm_sandbox.object_types (portal_id, object_type_id)
);

CREATE TABLE crm_sandbox.pipeline_stages (
  portal_id       bigint NOT NULL,
  object_type_id  text NOT NULL,
  pipeline_id     text NOT NULL,
  stage_id        text NOT NULL,
  label           text NOT NULL,
  display_order   integer NOT NULL DEFAULT 0,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  archived        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, object_type_id, pipeline_id, stage_id),
  FOREIGN KEY (portal_id, object_type_id, pipeline_id)
    REFERENCES crm_sandbox.pipelines (portal_id, object_type_id, pipeline_id)
);

-- CRM records. Property values are kept as HubSpot returns them: strings, in a jsonb object; the system
-- properties (hs_object_id, create and modified dates) are derived from the columns.
CREATE TABLE crm_sandbox.objects (
  portal_id       bigint NOT NULL,
  object_type_id  text NOT NULL,
  object_id       bigint NOT NULL,
  properties      jsonb NOT NULL DEFAULT '{}'::jsonb,
  archived        boolean NOT NULL DEFAULT false,
  archived_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, object_type_id, object_id),
  FOREIGN KEY (portal_id, object_type_id) REFERENCES crm_sandbox.object_types (portal_id, object_type_id)
);
CREATE INDEX objects_live ON crm_sandbox.objects (portal_id, object_type_id, object_id) WHERE NOT archived;
CREATE INDEX objects_properties ON crm_sandbox.objects USING gin (properties jsonb_path_ops);

-- The values of hasUniqueValue properties, one row each: the primary key is what enforces uniqueness (HubSpot
-- rejects a second record with the same value), whatever the property, without an index per property.
CREATE TABLE crm_sandbox.unique_values (
  portal_id       bigint NOT NULL,
  object_type_id  text NOT NULL,
  property_name   text NOT NULL,
  value           text NOT NULL,
  object_id       bigint NOT NULL,
  PRIMARY KEY (portal_id, object_type_id, property_name, value),
  FOREIGN KEY (portal_id, object_type_id, object_id)
    REFERENCES crm_sandbox.objects (portal_id, object_type_id, object_id) ON DELETE CASCADE
);
CREATE INDEX unique_values_by_object ON crm_sandbox.unique_values (portal_id, object_type_id, object_id);

-- USER_DEFINED association types (custom object definitions and labels); HUBSPOT_DEFINED ones are fixed and live
-- in server/sandbox/catalog.ts. Each direction is a row; inverse_type_id names the other direction.
CREATE TABLE crm_sandbox.association_types (
  portal_id            bigint NOT NULL REFERENCES crm_sandbox.portals (portal_id),
  type_id              integer NOT NULL,
  category             text NOT NULL,
  from_object_type_id  text NOT NULL,
  to_object_type_id    text NOT NULL,
  name                 text,
  label                text,
  inverse_type_id      integer NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, category, type_id)
);
CREATE INDEX association_types_pair ON crm_sandbox.association_types (portal_id, from_object_type_id, to_object_type_id);

-- Associations between records, one row per direction and type (HubSpot associations are one-directional types,
-- and writing one direction writes its inverse).
CREATE TABLE crm_sandbox.associations (
  portal_id            bigint NOT NULL,
  from_object_type_id  text NOT NULL,
  from_object_id       bigint NOT NULL,
  to_object_type_id    text NOT NULL,
  to_object_id         bigint NOT NULL,
  category             text NOT NULL,
  type_id              integer NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, from_object_type_id, from_object_id, to_object_type_id, to_object_id, category, type_id)
);
CREATE INDEX associations_to ON crm_sandbox.associations (portal_id, to_object_type_id, to_object_id);

CREATE TABLE crm_sandbox.owners (
  portal_id   bigint NOT NULL REFERENCES crm_sandbox.portals (portal_id),
  owner_id    bigint NOT NULL,
  email       text NOT NULL,
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  user_id     bigint NOT NULL,
  teams       jsonb NOT NULL DEFAULT '[]'::jsonb,
  archived    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, owner_id)
);
