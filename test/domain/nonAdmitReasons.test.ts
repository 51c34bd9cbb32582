import { mergeSettings, defaultTenantSettings } from '../../src/config/tenantSettings';
import { nonAdmitBreakdown } from '../../src/domain/cards';
import { nonAdmitReason } from '../../src/domain/events';
import {
  DuplicateNonAdmitReasonError,
  defaultNonAdmitVocabulary,
  listedNonAdmitReason,
  nonAdmitReasonsSettingSchema,
  nonAdmitTerms,
  nonAdmitVocabulary,
} from '../../src/domain/nonAdmitReasons';

const DEFAULT_VALUES = [
  'insurance_not_accepted',
  'outside_service_area',
  'patient_declined',
  'not_homebound',
  'no_skilled_need',
  'staffing_unavailable',
  'went_to_another_agency',
  'hospitalized',
  'expired',
  'physician_would_not_sign',
  'other',
];

describe('the non-admit reason list of a tenant', () => {
  it('is the eleven defaults, in the order of DESIGN.md, with their words and offers, when the agency set nothing', () => {
    expect(defaultNonAdmitVocabulary.map((r) => r.value)).toEqual(DEFAULT_VALUES);
    expect(defaultNonAdmitVocabulary.every((r) => r.isDefault)).toBe(true);
    expect(defaultNonAdmitVocabulary[1]).toEqual({
      value: 'outside_service_area',
      label: 'Outside service area',
      words: 'outside our service area',
      offer: "We can suggest an agency that serves the patient's area.",
      isDefault: true,
    });
  });

  it('rewords a default in place, keeping what the entry does not say', () => {
    const list = nonAdmitVocabulary([{ value: 'staffing_unavailable', label: 'No clinician available', words: 'we had no clinician free in time' }]);
    expect(list.map((r) => r.value)).toEqual(DEFAULT_VALUES);
    expect(list[5]).toEqual({
      value: 'staffing_unavailable',
      label: 'No clinician available',
      words: 'we had no clinician free in time',
      // Not reworded: the default offer stays.
      offer: 'We can suggest an agency with capacity now, and will tell you as soon as we can take patients in that area again.',
      isDefault: true,
    });
  });

  it('adds reasons after the defaults, in the order given; without words, the label in lower case; without an offer, the generic one', () => {
    const list = nonAdmitVocabulary([
      { value: 'no_caregiver', label: 'No caregiver at home', words: 'there was no caregiver at home', offer: 'We can suggest private duty agencies.' },
      { value: 'unsafe_home', label: 'Unsafe Home Environment' },
    ]);
    expect(list.map((r) => r.value)).toEqual([...DEFAULT_VALUES, 'no_caregiver', 'unsafe_home']);
    expect(list[11]).toEqual({ value: 'no_caregiver', label: 'No caregiver at home', words: 'there was no caregiver at home', offer: 'We can suggest private duty agencies.', isDefault: false });
    expect(list[12]).toEqual({ value: 'unsafe_home', label: 'Unsafe Home Environment', words: 'unsafe home environment', offer: 'We are glad to talk through other options.', isDefault: false });
  });

  it('refuses a value given twice, saying which', () => {
    const entries = [
      { value: 'no_caregiver', label: 'No caregiver at home' },
      { value: 'expired', label: 'Passed away' },
      { value: 'no_caregiver', label: 'No carer' },
    ];
    expect(() => nonAdmitVocabulary(entries)).toThrow(DuplicateNonAdmitReasonError);
    expect(() => nonAdmitVocabulary(entries)).toThrow('Non-admit reasons: "no_caregiver" is already reason 1 of the list: each value once');
    // The setting's schema names the entry, so the settings page can show it on the field.
    const parsed = nonAdmitReasonsSettingSchema.safeParse(entries);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['2.value', '"no_caregiver" is already reason 1 of the list: each value once']]);
  });

  it('reads a value the list does not have as "other" (the tenant\'s wording of it, if reworded)', () => {
    const list = nonAdmitVocabulary([{ value: 'no_caregiver', label: 'No caregiver at home' }]);
    expect(listedNonAdmitReason(list, 'lost_to_follow_up')).toBe('other');
    expect(listedNonAdmitReason(list, 'no_caregiver')).toBe('no_caregiver');
    expect(nonAdmitTerms(list, 'lost_to_follow_up')).toMatchObject({ value: 'other', label: 'Other', words: 'we were not able to start care' });
    // The same value on a tenant that did not add it.
    expect(nonAdmitTerms(defaultNonAdmitVocabulary, 'no_caregiver')).toMatchObject({ value: 'other', label: 'Other' });
    const reworded = nonAdmitVocabulary([{ value: 'other', label: 'Other reason', words: 'it was not possible for us to start care' }]);
    expect(nonAdmitTerms(reworded, 'lost_to_follow_up')).toMatchObject({ label: 'Other reason', words: 'it was not possible for us to start care' });
  });

  it('counts an unlisted reason on the "other" line of the company card, ties in the list order', () => {
    const list = nonAdmitVocabulary([{ value: 'no_caregiver', label: 'No caregiver at home' }]);
    expect(nonAdmitBreakdown({ no_caregiver: 2, lost_to_follow_up: 1, other: 1, expired: 2 }, list)).toEqual([
      { reason: 'expired', label: 'Expired', words: 'the patient passed away before care began', count: 2 },
      { reason: 'other', label: 'Other', words: 'we were not able to start care', count: 2 },
      { reason: 'no_caregiver', label: 'No caregiver at home', words: 'no caregiver at home', count: 2 },
    ]);
  });
});

describe('the nonAdmitReasons setting', () => {
  it('defaults to no entry, and is checked entry by entry, naming the field', () => {
    expect(defaultTenantSettings.nonAdmitReasons).toEqual([]);
    expect(() =>
      mergeSettings(defaultTenantSettings, {
        nonAdmitReasons: [{ value: '2nd_opinion', label: '', words: 'w'.repeat(121), offer: 'o'.repeat(301), note: 'x' }],
      }),
    ).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({ path: ['nonAdmitReasons', 0, 'value'] }),
          expect.objectContaining({ path: ['nonAdmitReasons', 0, 'label'], message: 'must not be empty' }),
          expect.objectContaining({ path: ['nonAdmitReasons', 0, 'words'], message: 'is at most 120 characters' }),
          expect.objectContaining({ path: ['nonAdmitReasons', 0, 'offer'], message: 'is at most 300 characters' }),
          expect.objectContaining({ path: ['nonAdmitReasons', 0], code: 'unrecognized_keys' }),
        ]),
      }),
    );
    const saved = mergeSettings(defaultTenantSettings, { nonAdmitReasons: [{ value: 'no_caregiver', label: ' No caregiver at home ' }] });
    expect(saved.nonAdmitReasons).toEqual([{ value: 'no_caregiver', label: 'No caregiver at home' }]);
  });

  it('lets an EHR event carry any slug as its reason, and nothing else', () => {
    expect(nonAdmitReason.safeParse('no_caregiver').success).toBe(true);
    expect(nonAdmitReason.safeParse('insurance_not_accepted').success).toBe(true);
    expect(nonAdmitReason.safeParse('No Caregiver').success).toBe(false);
    expect(nonAdmitReason.safeParse('').success).toBe(false);
    expect(nonAdmitReason.safeParse(`a${'b'.repeat(50)}`).success).toBe(false);
  });
});
