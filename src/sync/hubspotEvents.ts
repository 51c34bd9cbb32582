import type { TenantId } from '../config/tenantSettings';
import type { PoolClient } from '../store/postgres';
import { FollowUpStore } from '../store/followUpStore';
import { SyncQueue } from '../store/syncQueue';
import { SyncStore } from '../store/syncStore';
import { recordHandEnteredReferral } from './handEntered';

/**
 * What HubSpot's webhook events do to our state (server/routes/hubspotWebhooks.ts). Each runs in the transaction that
 * records its event as processed, and queues in that transaction the referrals (and their admissions) to write again:
 * - a company's owner changed: its matches take the new owner, and the referrals attributed to it get their owner
 *   chosen again (the company owner is the chain's second link);
 * - companies merged: what pointed at a merged-away company (its matches, its check-ins) points at the one that remains;
 * - a company deleted: its matches are forgotten, so its sources are matched again or wait in the unmatched list;
 * - a Referral record created by hand: noted, to be read and matched by the sync (src/sync/handEntered.ts);
 * - a follow-up task completed, reopened or deleted in HubSpot: its outcome is recorded (follow-up completion per
 *   liaison and per rule), so the reconciling poll only catches what webhooks missed.
 */
export interface HubSpotEventEffects {
  companyOwnerChanged(client: PoolClient, tenantId: TenantId, companyId: string, ownerId: string | null): Promise<void>;
  companiesMerged(client: PoolClient, tenantId: TenantId, primaryId: string, mergedIds: string[]): Promise<void>;
  companyDeleted(client: PoolClient, tenantId: TenantId, companyId: string): Promise<void>;
  referralCreated(client: PoolClient, tenantId: TenantId, hubspotId: string): Promise<void>;
  taskStatusChanged(client: PoolClient, tenantId: TenantId, taskId: string, status: string, at: Date): Promise<void>;
  taskDeleted(client: PoolClient, tenantId: TenantId, taskId: string): Promise<void>;
}

export function hubspotEventEffects(queue: SyncQueue): HubSpotEventEffects {
  const store = new SyncStore();
  const followUps = new FollowUpStore();
  const resend = async (client: PoolClient, tenantId: TenantId, referralKeys: string[]) => {
    await queue.enqueue(client, tenantId, 'referral', referralKeys);
    await queue.enqueue(client, tenantId, 'admission', await store.admissionsOf(client, tenantId, referralKeys));
  };
  return {
    companyOwnerChanged: async (client, tenantId, companyId, ownerId) => {
      await resend(client, tenantId, await store.companyOwnerChanged(client, tenantId, companyId, ownerId));
      // The company's own open tasks (check-ins, dormant source calls) go to its new owner.
      await queue.enqueue(client, tenantId, 'task', await followUps.followCompanyOwner(client, tenantId, companyId, ownerId));
    },
    companiesMerged: async (client, tenantId, primaryId, mergedIds) => {
      await resend(client, tenantId, await store.companiesMerged(client, tenantId, primaryId, mergedIds));
      // Check-ins logged on a merged-away company still count for the account's cadence.
      await followUps.moveCheckIns(client, tenantId, primaryId, mergedIds);
    },
    companyDeleted: async (client, tenantId, companyId) => resend(client, tenantId, await store.companyDeleted(client, tenantId, companyId)),
    referralCreated: (client, tenantId, hubspotId) => recordHandEnteredReferral(client, tenantId, hubspotId),
    taskStatusChanged: async (client, tenantId, taskId, status, at) => {
      const completed = status === 'COMPLETED';
      await followUps.recordOutcome(client, tenantId, taskId, { status: completed ? 'completed' : 'open', completedAt: completed ? at : null });
    },
    taskDeleted: async (client, tenantId, taskId) => {
      await followUps.recordOutcome(client, tenantId, taskId, { status: 'deleted', completedAt: null });
    },
  };
}
