import crypto from 'node:crypto';

/**
 * Signed pushes (JSON and FHIR): the sender puts `X-Referralynx-Signature: t=<unix seconds>,v1=<hex>` on the request,
 * where v1 = HMAC-SHA256(secret, `${t}.${raw body}`). Requests older than five minutes are refused (replays), and
 * the comparison is constant-time.
 */
export const SIGNATURE_HEADER = 'x-referralynx-signature';
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

export function signBody(secret: string, rawBody: string, timestampSeconds: number): string {
  const digest = crypto.createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifySignature(secret: string, rawBody: string, header: string | undefined, nowMs: number): SignatureCheck {
  if (!header) return { ok: false, reason: `the ${SIGNATURE_HEADER} header is missing` };
  const parts = Object.fromEntries(
    header.split(',').map((part) => {
      const [key, ...value] = part.trim().split('=');
      return [key ?? '', value.join('=')];
    }),
  );
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) return { ok: false, reason: 'the signature header is malformed' };
  if (Math.abs(nowMs - timestamp * 1000) > SIGNATURE_TOLERANCE_MS) {
    return { ok: false, reason: 'the signature timestamp is outside the five-minute window' };
  }
  const expected = Buffer.from(signBody(secret, rawBody, timestamp).split('v1=')[1] ?? '', 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the signature does not match' };
  }
  return { ok: true };
}
