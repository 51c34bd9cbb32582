import { mergeSettings, nonAdmitReasonsOf, type TenantId, type TenantSettings } from '../config/tenantSettings';
import { listedNonAdmitReason, type NonAdmitVocabulary } from '../domain/nonAdmitReasons';
import type { HubSpot } from '../hubspot/client';
import { dataModelSchema, provisionNonAdmitReasons, type ProvisionChange } from '../hubspot/provision';
import { inTransaction, type Pool } from '../store/postgres';
import { SyncQueue } from '../store/syncQueue';
import { SyncStore } from '../store/syncStore';
import { TenantRepository } from '../store/tenants';

/** A change to the non-admit reasons needs the portal's HubSpot client, to give the property its options first. */
export class HubSpotNeededError extends Error {
  constructor() {
    super('Changing the non-admit reasons needs the HubSpot client: the property rlx_non_admit_reason gets the new options first.');
    this.name = 'HubSpotNeededError';
  }
}

export interface SavedSettings {
  settings: TenantSettings;
  /** What provisioning changed in HubSpot for the non-admit reasons (empty when nothing needed to). */
  hubspotChanges: ProvisionChange[];
  /** Non-admitted referrals queued to be written again, their reason now in the list or no longer. */
  referralsQueued: number;
}

/** The reasons that the list gained or lost: a referral carrying one is written as itself, or as "other", from now on. */
function relisted(before: NonAdmitVocabulary, after: NonAdmitVocabulary): string[] {
  const values = new Set([...before, ...after].map((reason) => reason.value));
  return [...values].filter((value) => listedNonAdmitReason(before, value) !== listedNonAdmitReason(after, value));
}

/**
 * Saves changes to a tenant's settings, from the settings page or the CLI. A changed non-admit reason list reaches
 * HubSpot before it is saved: the sync writes a reason only once the tenant's list has it, and HubSpot refuses an
 * enumeration value that is not one of the property's options, so the options are added first (and a HubSpot that
 * cannot be reached leaves the settings as they were, to be saved again). A portal not provisioned yet gets the
 * tenant's list when `referralynx start` or `provision` runs. Invalid settings are refused with zod's error, naming
 * each, before anything is written anywhere.
 */
export async function saveTenantSettings(
  deps: { pool: Pool; hubspot?: HubSpot },
  tenantId: TenantId,
  changes: Record<string, unknown>,
): Promise<SavedSettings> {
  const tenants = new TenantRepository(deps.pool);
  const current = await tenants.find(tenantId);
  if (!current) throw new Error(`unknown tenant ${tenantId}`);
  const next = mergeSettings(current.settings, changes);
  let hubspotChanges: ProvisionChange[] = [];
  if ('nonAdmitReasons' in changes) {
    if (!deps.hubspot) throw new HubSpotNeededError();
    const model = dataModelSchema.safeParse((await tenants.readDataModel(tenantId)).dataModel);
    if (model.success) {
      hubspotChanges = (await provisionNonAdmitReasons(deps.hubspot, model.data.referralObjectTypeId, nonAdmitReasonsOf(next))).changes;
    }
  }
  // A referral taken while its reason was not listed was written to HubSpot as "other": now that the list has it (or
  // has it no longer), it is written again; the sync skips any whose properties come out the same. Queued in the
  // transaction that saves the list, so a crash leaves both or neither.
  return inTransaction(deps.pool, async (client) => {
    const settings = await tenants.updateSettings(tenantId, changes, client);
    const reasons = relisted(nonAdmitReasonsOf(current.settings), nonAdmitReasonsOf(settings));
    const keys = await new SyncStore().nonAdmittedWithReasons(client, tenantId, reasons);
    await new SyncQueue(deps.pool).enqueue(client, tenantId, 'referral', keys);
    return { settings, hubspotChanges, referralsQueued: keys.length };
  });
}
