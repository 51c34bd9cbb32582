import type { TenantId } from '../config/tenantSettings';
import type { PoolClient } from './postgres';

/** What identifies one webhook event across HubSpot's retries of it (see 006_hubspot_webhooks.sql). */
export interface WebhookEventKey {
  eventId: string;
  subscriptionId: string;
  objectId: string;
  occurredAt: number;
  subscriptionType: string;
  objectTypeId: string | null;
}

/** Owns the SQL of the webhook events processed. */
export class HubSpotWebhookStore {
  /**
   * Records the event in the caller's transaction; false when it was recorded before (a retry or a replay). A second
   * delivery arriving while the first is still being processed waits on the first's row and then finds it.
   */
  async recordEvent(client: PoolClient, tenantId: TenantId, event: WebhookEventKey): Promise<boolean> {
    const { rowCount } = await client.query(
      `INSERT INTO hubspot_webhook_events (tenant_id, event_id, subscription_id, object_id, occurred_at, subscription_type, object_type_id)
       VALUES ($1, $2, $3, $4, to_timestamp($5::double precision / 1000), $6, $7)
       ON CONFLICT DO NOTHING`,
      [tenantId, event.eventId, event.subscriptionId, event.objectId, event.occurredAt, event.subscriptionType, event.objectTypeId],
    );
    return rowCount === 1;
  }

  /** Whether the portal has ever announced the creation of a record of this type by webhook. */
  async hasReceivedCreation(client: PoolClient, tenantId: TenantId, objectTypeId: string): Promise<boolean> {
    const { rows } = await client.query(
      `SELECT 1 FROM hubspot_webhook_events
       WHERE tenant_id = $1 AND object_type_id = $2 AND subscription_type = 'object.creation' LIMIT 1`,
      [tenantId, objectTypeId],
    );
    return rows.length > 0;
  }
}
