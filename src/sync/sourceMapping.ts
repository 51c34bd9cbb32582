import type { TenantId } from '../config/tenantSettings';
import type { SourceObjectType } from '../domain/attribution';
import { batchRead } from '../hubspot/api';
import type { HubSpot } from '../hubspot/client';
import { inTransaction, type Pool } from '../store/postgres';
import { SyncQueue } from '../store/syncQueue';
import { SyncStore } from '../store/syncStore';

export type SourceMapping =
  | { ok: true; displayName: string; referrals: number }
  | { ok: false; reason: 'unknown_source' | 'unknown_record' };

const recordWord = (objectType: SourceObjectType) => (objectType === 'companies' ? 'company' : 'contact');

/**
 * An administrator's mapping of an EHR source to a HubSpot record (`referralynx sources map` and the settings page):
 * kept for good, and the source's referrals and their admissions queued to be linked again. The record is read from
 * HubSpot first, so a mistyped id maps nothing, and its owner becomes the source's owner.
 */
export async function mapSource(
  deps: { pool: Pool; hubspot: HubSpot; queue?: SyncQueue },
  tenantId: TenantId,
  mapping: { objectType: SourceObjectType; ref: string; hubspotId: string; on: Date },
): Promise<SourceMapping> {
  const { pool, hubspot } = deps;
  const { objectType, ref, hubspotId } = mapping;
  const store = new SyncStore();
  const known = await store.sourceMatch(pool, tenantId, objectType, ref);
  if (!known) return { ok: false, reason: 'unknown_source' };
  const [record] = await batchRead(hubspot, objectType, [hubspotId], ['hubspot_owner_id']);
  if (!record) return { ok: false, reason: 'unknown_record' };
  const queue = deps.queue ?? new SyncQueue(pool);
  const referrals = await inTransaction(pool, async (client) => {
    await store.saveSourceMatches(client, tenantId, [
      {
        ...known,
        hubspotId,
        ownerId: record.properties.hubspot_owner_id || null,
        method: 'mapping',
        confidence: null,
        reason: `mapped by hand to ${recordWord(objectType)} ${hubspotId} on ${mapping.on.toISOString().slice(0, 10)}`,
      },
    ]);
    const keys = await store.referralsOfSource(client, tenantId, objectType, ref);
    await queue.enqueue(client, tenantId, 'referral', keys);
    await queue.enqueue(client, tenantId, 'admission', await store.admissionsOf(client, tenantId, keys));
    return keys.length;
  });
  return { ok: true, displayName: known.displayName, referrals };
}
