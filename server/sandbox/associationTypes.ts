import { HUBSPOT_DEFINED_ASSOCIATIONS, type AssociationTypeDefinition } from './catalog';
import { validationError } from './errors';
import type { SandboxStore } from './store';

/**
 * Association types (definitions): HUBSPOT_DEFINED ones between standard objects are fixed (catalog.ts); USER_DEFINED
 * ones are made by custom object schemas and by association labels, always as a pair of directions
 * (https://developers.hubspot.com/docs/api/crm/associations/associations-v4#association-type-id-values).
 */

export interface AssociationSpec {
  associationCategory: string;
  associationTypeId: number;
}

export interface AssociationWrite {
  fromObjectTypeId: string;
  fromObjectId: number;
  toObjectTypeId: string;
  toObjectId: number;
  category: string;
  typeId: number;
}

/** Every association type of the portal, loaded once per request. */
export class AssociationTypes {
  private constructor(private readonly all: readonly AssociationTypeDefinition[]) {}

  static async load(store: SandboxStore): Promise<AssociationTypes> {
    return new AssociationTypes([...HUBSPOT_DEFINED_ASSOCIATIONS, ...(await store.listAssociationTypes())]);
  }

  /** The types from one object type to another, HubSpot's first. */
  between(from: string, to: string): AssociationTypeDefinition[] {
    return this.all.filter((t) => t.fromObjectTypeId === from && t.toObjectTypeId === to);
  }

  /** The type a (category, typeId) names among those leaving `from`, whatever object type it leads to. */
  findFrom(from: string, spec: AssociationSpec): AssociationTypeDefinition | undefined {
    return this.all.find(
      (t) =>
        t.fromObjectTypeId === from && t.category === spec.associationCategory && t.typeId === spec.associationTypeId,
    );
  }

  /** The type a (category, typeId) names from `from` to `to`, or a 400. */
  require(from: string, to: string, spec: AssociationSpec): AssociationTypeDefinition {
    const found = this.findFrom(from, spec);
    if (!found || found.toObjectTypeId !== to) {
      throw validationError(
        `${spec.associationCategory} association type ${spec.associationTypeId} is not defined from ${from} to ${to}.`,
      );
    }
    return found;
  }

  /**
   * The default (unlabeled) type of a pair: the one a plain association uses, and the one every labeled association
   * implies (records associated with a label are also associated without one).
   */
  defaultBetween(from: string, to: string): AssociationTypeDefinition | undefined {
    return this.between(from, to).find((t) => t.label === null);
  }

  /**
   * The rows that associate two records with the given types (all from `from` to `to`): each type, its inverse
   * direction, and the default unlabeled type alongside any label.
   */
  rows(
    from: { objectTypeId: string; objectId: number },
    to: { objectTypeId: string; objectId: number },
    types: readonly AssociationTypeDefinition[],
  ): AssociationWrite[] {
    const all = [...types];
    const unlabeled = this.defaultBetween(from.objectTypeId, to.objectTypeId);
    if (unlabeled && types.some((t) => t.label !== null) && !all.includes(unlabeled)) all.push(unlabeled);
    return all.flatMap((t) => [
      {
        fromObjectTypeId: from.objectTypeId,
        fromObjectId: from.objectId,
        toObjectTypeId: to.objectTypeId,
        toObjectId: to.objectId,
        category: t.category,
        typeId: t.typeId,
      },
      {
        fromObjectTypeId: to.objectTypeId,
        fromObjectId: to.objectId,
        toObjectTypeId: from.objectTypeId,
        toObjectId: from.objectId,
        category: t.category,
        typeId: t.inverseTypeId,
      },
    ]);
  }
}

/**
 * Creates a USER_DEFINED pair of types: from->to with `label` and to->from with `inverseLabel`, or with the same label
 * when it is not a paired label (a label's name is shared by both directions; a schema's definitions are named each
 * way). Returns both, the from->to one first.
 */
export async function createAssociationTypePair(
  store: SandboxStore,
  pair: {
    from: string;
    to: string;
    name: string | null;
    inverseName?: string | null;
    label: string | null;
    inverseLabel?: string | null;
  },
): Promise<[AssociationTypeDefinition, AssociationTypeDefinition]> {
  const [forwardId, inverseId] = await store.nextIds('associationType', 2);
  if (forwardId === undefined || inverseId === undefined) throw new Error('no association type ids reserved');
  const forward: AssociationTypeDefinition = {
    category: 'USER_DEFINED',
    name: pair.name,
    typeId: forwardId,
    fromObjectTypeId: pair.from,
    toObjectTypeId: pair.to,
    label: pair.label,
    inverseTypeId: inverseId,
  };
  const inverse: AssociationTypeDefinition = {
    category: 'USER_DEFINED',
    name: pair.inverseName ?? pair.name,
    typeId: inverseId,
    fromObjectTypeId: pair.to,
    toObjectTypeId: pair.from,
    label: pair.inverseLabel ?? pair.label,
    inverseTypeId: forwardId,
  };
  await store.insertAssociationTypes([forward, inverse]);
  return [forward, inverse];
}
