import { z } from 'zod';
import { nonAdmitWords } from './plainWords';
import { defaultNonAdmitReasons } from './vocabulary';

/**
 * The agency's non-admit reasons (DESIGN.md: "configurable list, these by default"). A tenant's setting rewords a
 * default reason or adds one of its own; `nonAdmitVocabulary` gives the whole list every place that shows a reason
 * reads: the HubSpot property's options, the task texts, the partner summaries, the cards, the commission reasons.
 */

/** A reason's value: what the EHR feeds carry and HubSpot stores, a slug that stays when its label is reworded. */
export const nonAdmitReasonValue = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,49}$/, 'must be a lower-case slug of at most 50 characters: a letter, then letters, digits or _ (e.g. no_caregiver)');

/** A reason as the agency writes it in its settings. */
export const nonAdmitReasonEntrySchema = z
  .object({
    value: nonAdmitReasonValue,
    /** As HubSpot's property shows it (HubSpot's option labels are short: at most 100 characters here). */
    label: z.string().trim().min(1, 'must not be empty').max(100, 'is at most 100 characters'),
    /** The plain words a referral source reads, e.g. "there was no caregiver at home". */
    words: z.string().trim().min(1, 'must not be empty').max(120, 'is at most 120 characters').optional(),
    /** What the agency can offer the source instead. */
    offer: z.string().trim().min(1, 'must not be empty').max(300, 'is at most 300 characters').optional(),
  })
  .strict();

export type NonAdmitReasonEntry = z.infer<typeof nonAdmitReasonEntrySchema>;

/** The most reasons a tenant may add or reword: the property's options stay a list a person can pick from. */
export const NON_ADMIT_REASONS_MAX = 100;

/** The setting: reworded defaults and added reasons, each value once. */
export const nonAdmitReasonsSettingSchema = z
  .array(nonAdmitReasonEntrySchema)
  .max(NON_ADMIT_REASONS_MAX, `holds at most ${NON_ADMIT_REASONS_MAX} reasons`)
  .superRefine((entries, ctx) => {
    for (const duplicate of duplicateValues(entries)) {
      ctx.addIssue({ code: 'custom', path: [duplicate.index, 'value'], message: duplicate.message });
    }
  });

/** A reason with everything shown of it. */
export interface NonAdmitReasonTerms {
  value: string;
  label: string;
  words: string;
  offer: string;
  /** One of Referralynx's default reasons (reworded or not); false for one the agency added. */
  isDefault: boolean;
}

export type NonAdmitVocabulary = readonly NonAdmitReasonTerms[];

/** What the agency offers for an added reason that says nothing of its own. */
export const GENERIC_NON_ADMIT_OFFER = 'We are glad to talk through other options.';

/** The reason every unknown value reads as (it is a default, so always in the list). */
export const OTHER_NON_ADMIT_REASON = 'other';

function duplicateValues(entries: ReadonlyArray<{ value: string }>): Array<{ index: number; message: string }> {
  const first = new Map<string, number>();
  const found: Array<{ index: number; message: string }> = [];
  entries.forEach((entry, index) => {
    const earlier = first.get(entry.value);
    if (earlier === undefined) first.set(entry.value, index);
    else found.push({ index, message: `"${entry.value}" is already reason ${earlier + 1} of the list: each value once` });
  });
  return found;
}

/** The setting has a value twice. */
export class DuplicateNonAdmitReasonError extends Error {
  constructor(readonly messages: string[]) {
    super(`Non-admit reasons: ${messages.join('; ')}`);
    this.name = 'DuplicateNonAdmitReasonError';
  }
}

/**
 * The tenant's full list, in order: the defaults (each reworded where an entry has its value), then the added
 * reasons in the order given. An added reason without words reads as its label in lower case; without an offer, the
 * generic one. Throws DuplicateNonAdmitReasonError when a value is given twice.
 */
export function nonAdmitVocabulary(entries: readonly NonAdmitReasonEntry[]): NonAdmitVocabulary {
  const duplicates = duplicateValues(entries);
  if (duplicates.length > 0) throw new DuplicateNonAdmitReasonError(duplicates.map((d) => d.message));
  const byValue = new Map(entries.map((entry) => [entry.value, entry]));
  const defaults = defaultNonAdmitReasons.map((reason): NonAdmitReasonTerms => {
    const entry = byValue.get(reason.value);
    const words = nonAdmitWords[reason.value];
    return {
      value: reason.value,
      label: entry?.label ?? reason.label,
      words: entry?.words ?? words.reason,
      offer: entry?.offer ?? words.offer,
      isDefault: true,
    };
  });
  const defaultValues = new Set<string>(defaultNonAdmitReasons.map((reason) => reason.value));
  const added = entries
    .filter((entry) => !defaultValues.has(entry.value))
    .map((entry): NonAdmitReasonTerms => ({
      value: entry.value,
      label: entry.label,
      words: entry.words ?? entry.label.toLowerCase(),
      offer: entry.offer ?? GENERIC_NON_ADMIT_OFFER,
      isDefault: false,
    }));
  return [...defaults, ...added];
}

/** The defaults as Referralynx words them: the list of a tenant that configured nothing. */
export const defaultNonAdmitVocabulary: NonAdmitVocabulary = nonAdmitVocabulary([]);

/** The value as the list knows it: itself when it is in the list, else "other" (a reason the agency never listed). */
export function listedNonAdmitReason(vocabulary: NonAdmitVocabulary, value: string): string {
  return vocabulary.some((reason) => reason.value === value) ? value : OTHER_NON_ADMIT_REASON;
}

/** A reason's label, words and offer; a value not in the list reads as "other". */
export function nonAdmitTerms(vocabulary: NonAdmitVocabulary, value: string): NonAdmitReasonTerms {
  const listed = vocabulary.find((reason) => reason.value === value) ?? vocabulary.find((reason) => reason.value === OTHER_NON_ADMIT_REASON);
  // "other" is a default, so it is always in a list nonAdmitVocabulary made; this covers a list made by hand.
  return listed ?? { value: OTHER_NON_ADMIT_REASON, label: 'Other', words: nonAdmitWords.other.reason, offer: nonAdmitWords.other.offer, isDefault: true };
}
