import { z } from 'zod';
import { businessLine, payerCategory } from '../../domain/events';

/**
 * What differs between one agency's HL7 feed and another's: where the marketer is, what the EHR's own plan-type,
 * discharge and service codes mean. Every setting has a default that follows the standard (MAPPING.md), so a feed
 * needs none of them to work; a tenant's settings are parsed with this schema once, at start-up.
 */

/** A field by its HL7 name: "PV1-52", "ZRF-3" or with a component, "PV1-52.1" (component 1 when omitted). */
export const fieldPath = z.string().regex(/^[A-Z][A-Z0-9]{2}-\d{1,3}(\.\d{1,2})?$/, 'must name a field such as PV1-52 or ZRF-3.1');

const dischargeReason = z.enum(['goals_met', 'transferred', 'hospitalized', 'expired', 'revoked', 'moved', 'other']);

export const hl7MappingOptions = z
  .object({
    /**
     * Where the agency's marketer (liaison) id is: a field (default PV1-52, "other healthcare provider", XCN.1),
     * or the person of the first ROL/PRT segment with this role code (ROL-3 / PRT-4), e.g. a local "MKT".
     */
    marketer: z.union([z.object({ field: fieldPath }).strict(), z.object({ role: z.string().min(1).max(20) }).strict()]).optional(),
    /** A field holding the referral id when a message has no RF1-6 (e.g. "PV1-5" preadmit number, "ZRF-1"). */
    referralKeyField: fieldPath.optional(),
    /** The EHR's plan-type or plan codes (IN1-15.1, IN1-2.1) and the payer category each means; checked first. */
    payerCategories: z.record(z.string(), payerCategory).optional(),
    /** The EHR's discharge disposition codes (PV1-36.1) and the discharge reason each means; checked first. */
    dischargeReasons: z.record(z.string(), dischargeReason).optional(),
    /** Codes of PV1-10, PV1-18, RF1-3 or MSH-4/MSH-6 facility ids and the business line each means; checked first. */
    businessLines: z.record(z.string(), businessLine).optional(),
  })
  .strict();

export type Hl7MappingOptions = z.infer<typeof hl7MappingOptions>;

export const defaultMarketerField = 'PV1-52';

/** Splits "PV1-52.1" into its parts; undefined when the path is not one. */
export function parseFieldPath(path: string): { segment: string; field: number; component: number } | undefined {
  const match = /^([A-Z][A-Z0-9]{2})-(\d{1,3})(?:\.(\d{1,2}))?$/.exec(path);
  if (!match) return undefined;
  return { segment: match[1] ?? '', field: Number(match[2]), component: Number(match[3] ?? 1) };
}
