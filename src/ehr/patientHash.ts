import crypto from 'node:crypto';
import type { PatientIdentifier } from './types';

/**
 * Patients are linked by a keyed hash (HMAC-SHA256) of their EHR identifier and its assigning authority, so the
 * same patient is recognised across feeds without the identifier being stored (DESIGN.md, minimum necessary).
 * The key is the tenant's own: a hash from one agency means nothing in another.
 */
export function createPatientHasher(key: Buffer): (id: PatientIdentifier) => string {
  if (key.length < 32) throw new Error('the patient hash key must be at least 32 bytes');
  return (id) =>
    crypto
      .createHmac('sha256', key)
      .update(`${(id.assigner ?? '').trim().toUpperCase()}|${id.value.trim().toUpperCase()}`)
      .digest('hex');
}
