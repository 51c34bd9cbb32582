import { z } from 'zod';
import { isHolidayCalendar } from '../domain/businessTime';
import { followUpSettingsSchema } from '../domain/followUps';
import { nonAdmitReasonsSettingSchema, nonAdmitVocabulary, type NonAdmitVocabulary } from '../domain/nonAdmitReasons';
import { scorecardSettingsSchema } from '../domain/scorecard';

/** A tenant is one HubSpot portal (hub id). Every row in the database carries it. */
export type TenantId = number;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
}

/**
 * Per-tenant settings, stored in PostgreSQL (tenants.settings) and validated on every read and write.
 * - phiMode "minimum-necessary" (the default) sends no patient identifiers to HubSpot (DESIGN.md, privacy);
 *   "sensitive-properties" may be chosen only where the portal has HubSpot's sensitive-data properties enabled.
 */
export const tenantSettingsSchema = z.object({
  timeZone: z
    .string()
    .refine(isTimeZone, { message: 'must be an IANA time zone such as America/New_York' })
    .default('America/New_York'),
  holidayCalendar: z
    .string()
    .refine(isHolidayCalendar, { message: 'must be a holiday calendar such as US, US-CA, or none' })
    .default('US'),
  phiMode: z.enum(['minimum-necessary', 'sensitive-properties']).default('minimum-necessary'),
  /**
   * Source attribution (src/domain/attribution.ts): a source matched by name and place needs this confidence (0.5 to
   * 1); one left unmatched either waits in `referralynx sources unmatched` for someone to map it, or is created.
   */
  nameMatchThreshold: z.coerce.number().min(0.5).max(1).default(0.85),
  unmatchedSources: z.enum(['wait', 'create']).default('wait'),
  /** The EHR's marketer ids, each to a HubSpot owner (an owner id or a user's email). */
  marketerOwners: z.record(z.string().trim().min(1).max(100), z.string().trim().min(1).max(200)).default({}),
  /** Who owns a referral when the chain finds nobody: an owner id or email. */
  defaultOwner: z.string().trim().min(1).max(200).optional(),
  /** How the agency signs the messages its liaisons send to referral sources (follow-up task texts). */
  agencyName: z.string().trim().min(1).max(200).optional(),
  /** Scorecards: the tier rule and the trend's small-number guard (src/domain/scorecard.ts). */
  scorecard: scorecardSettingsSchema.prefault({}),
  /** Follow-up tasks: which rules run, the working day they count in, who intake is (src/domain/followUps.ts). */
  followUps: followUpSettingsSchema.prefault({}),
  /**
   * Non-admit reasons (src/domain/nonAdmitReasons.ts): an entry whose value is a default reason rewords it, any other
   * adds a reason to the list; HubSpot's rlx_non_admit_reason gets each as an option before a record uses it.
   */
  nonAdmitReasons: nonAdmitReasonsSettingSchema.default([]),
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export const defaultTenantSettings: TenantSettings = tenantSettingsSchema.parse({});

/** The tenant's non-admit reasons, defaults and added ones, as every place that shows a reason reads them. */
export function nonAdmitReasonsOf(settings: Pick<TenantSettings, 'nonAdmitReasons'>): NonAdmitVocabulary {
  return nonAdmitVocabulary(settings.nonAdmitReasons);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The keys of `input` that its parse left out (paths like ['followUps', 'nonAdmitt']): the schema's objects drop
 * keys they do not know, so a misspelt setting would otherwise be accepted and do nothing.
 */
export function unknownSettingPaths(input: unknown, parsed: unknown, path: string[] = []): string[][] {
  if (!isPlainObject(input) || !isPlainObject(parsed)) return [];
  return Object.entries(input).flatMap(([key, value]) =>
    key in parsed ? unknownSettingPaths(value, parsed[key], [...path, key]) : [[...path, key]],
  );
}

/**
 * `changes` merged into `current` and checked, or zod's error: invalid values as the schema says them, and any key
 * that is not a setting ("not a setting"), so nothing misspelt is silently dropped.
 */
export function mergeSettings(current: TenantSettings, changes: Record<string, unknown>): TenantSettings {
  const merged = { ...current, ...changes };
  const next = tenantSettingsSchema.parse(merged);
  const unknown = unknownSettingPaths(changes, next);
  if (unknown.length > 0) {
    throw new z.ZodError(unknown.map((path) => ({ code: 'custom' as const, path, message: 'not a setting', input: undefined })));
  }
  return next;
}
