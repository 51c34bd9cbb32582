import type { TenantSettings } from '../config/tenantSettings';
import { listOwners, type HubSpotOwner } from '../hubspot/api';
import type { HubSpot } from '../hubspot/client';

export interface ResolvedOwnerSettings {
  /** Marketer id to an active owner's id. */
  marketerOwners: Map<string, string>;
  /** Marketer ids whose mapping names nobody active, with what it names. */
  unresolvedMarketers: Map<string, string>;
  defaultOwnerId: string | null;
  /** The default owner setting names nobody active. */
  unresolvedDefault?: string;
}

function findOwner(owners: readonly HubSpotOwner[], wanted: string): string | undefined {
  const text = wanted.trim().toLowerCase();
  return owners.find((owner) => owner.id === text || owner.email?.toLowerCase() === text)?.id;
}

/**
 * The portal's active owners, read at most every `ttlMs` (10 minutes), to turn the tenant's owner settings (owner ids
 * or users' emails) into owner ids. A mapping to someone who left (no longer an active owner) is set aside and said so
 * in the decision, so a referral is never given to a deactivated user.
 */
export class OwnerDirectory {
  private cache?: { at: number; owners: HubSpotOwner[] };

  constructor(
    private readonly hubspot: HubSpot,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async owners(): Promise<HubSpotOwner[]> {
    if (!this.cache || this.now() - this.cache.at > this.ttlMs) {
      this.cache = { at: this.now(), owners: await listOwners(this.hubspot) };
    }
    return this.cache.owners;
  }

  /** Forgets the list (an owner was just added in HubSpot and a mapping to them should work now). */
  forget(): void {
    this.cache = undefined;
  }

  /** The active owner an owner id or a user's email names, if any. */
  async find(wanted: string): Promise<string | undefined> {
    return findOwner(await this.owners(), wanted);
  }

  async resolve(settings: Pick<TenantSettings, 'marketerOwners' | 'defaultOwner'>): Promise<ResolvedOwnerSettings> {
    const needed = Object.keys(settings.marketerOwners).length > 0 || settings.defaultOwner !== undefined;
    const owners = needed ? await this.owners() : [];
    const find = (wanted: string) => findOwner(owners, wanted);
    const marketerOwners = new Map<string, string>();
    const unresolvedMarketers = new Map<string, string>();
    for (const [marketerId, wanted] of Object.entries(settings.marketerOwners)) {
      const id = find(wanted);
      if (id) marketerOwners.set(marketerId, id);
      else unresolvedMarketers.set(marketerId, wanted);
    }
    const defaultOwnerId = settings.defaultOwner ? (find(settings.defaultOwner) ?? null) : null;
    return {
      marketerOwners,
      unresolvedMarketers,
      defaultOwnerId,
      ...(settings.defaultOwner && !defaultOwnerId ? { unresolvedDefault: settings.defaultOwner } : {}),
    };
  }
}
