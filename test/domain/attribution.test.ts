import {
  bestCandidate,
  chooseOwner,
  distinctiveWords,
  nameSimilarity,
  normalizeName,
  organizationIdentity,
  practitionerIdentity,
  scoreCandidate,
  type SourceIdentity,
} from '../../src/domain/attribution';

const mercy: SourceIdentity = { objectType: 'companies', ref: 'x', displayName: 'Mercy General Hospital', name: 'Mercy General Hospital', zip: '30301', city: 'Atlanta' };

describe('names', () => {
  it('spells out abbreviations, drops punctuation and noise words', () => {
    // st -> saint, mary's -> marys, med -> medical, ctr -> center, inc dropped.
    expect(normalizeName("St. Mary's Med. Ctr., Inc.")).toBe('saint marys medical center');
    expect(normalizeName('  The Jones Family Medicine LLC ')).toBe('jones family medicine');
    expect(normalizeName('Café Réhab')).toBe('cafe rehabilitation');
  });

  it('scores likeness by shared character pairs, whatever the word order', () => {
    expect(nameSimilarity('Mercy General Hospital', 'Mercy General Hosp.')).toBe(1);
    expect(nameSimilarity('Okafor Family Medicine', 'Family Medicine Okafor')).toBe(1);
    // "abc" has ab, bc; "abd" has ab, bd: one pair shared of four, 2 x 1 / 4.
    expect(nameSimilarity('abc', 'abd')).toBe(0.5);
    expect(nameSimilarity('', 'Mercy')).toBe(0);
  });

  it('asks the CRM by the most telling words, common ones last', () => {
    expect(distinctiveWords('Mercy General Hospital')).toEqual(['mercy', 'hospital', 'general']);
    expect(distinctiveWords('Okafor Family Medicine', 1)).toEqual(['okafor']);
  });
});

describe('scoring a candidate', () => {
  it('weighs the name by the place: same ZIP x1, same city x0.97, nothing to compare x0.8, elsewhere x0.6', () => {
    expect(scoreCandidate(mercy, { id: '1', name: 'Mercy General Hosp', zip: '30301-4410' }).confidence).toBe(1);
    expect(scoreCandidate(mercy, { id: '1', name: 'Mercy General Hospital', city: 'ATLANTA' }).confidence).toBe(0.97);
    expect(scoreCandidate({ ...mercy, zip: undefined, city: undefined }, { id: '1', name: 'Mercy General Hospital' }).confidence).toBe(0.8);
    expect(scoreCandidate(mercy, { id: '1', name: 'Mercy General Hospital', zip: '10001' }).confidence).toBe(0.6);
  });

  it('says why, in words', () => {
    expect(scoreCandidate(mercy, { id: '1', name: 'Mercy General Hosp', zip: '30301' }).reason).toBe(
      'name "Mercy General Hospital" is 100% like "Mercy General Hosp", same ZIP 30301: confidence 1.00',
    );
  });

  it('takes the best candidate at or above the threshold, the oldest of equals, and keeps the best below it', () => {
    const twins = [
      { id: '20', name: 'Mercy General Hospital', zip: '30301' },
      { id: '10', name: 'Mercy General Hospital', zip: '30301' },
      { id: '5', name: 'Mercy Clinic', zip: '30301' },
    ];
    expect(bestCandidate(mercy, twins, 0.85).match?.candidate.id).toBe('10');
    const nameOnly = bestCandidate({ ...mercy, zip: undefined, city: undefined }, [{ id: '7', name: 'Mercy General Hospital' }], 0.85);
    expect(nameOnly.match).toBeUndefined();
    expect(nameOnly.best?.confidence).toBe(0.8);
    // An agency that accepts name-only matches lowers its threshold.
    expect(bestCandidate({ ...mercy, zip: undefined, city: undefined }, [{ id: '7', name: 'Mercy General Hospital' }], 0.8).match?.candidate.id).toBe('7');
    expect(bestCandidate(mercy, [], 0.85)).toEqual({});
  });
});

describe('source references', () => {
  it('by NPI, else the EHR id, else the normalised name and ZIP (or city)', () => {
    expect(organizationIdentity({ name: 'Mercy General', npi: '1234567893', ehrId: 'SRC-9' }).ref).toBe('npi:1234567893');
    expect(organizationIdentity({ name: 'Mercy General', ehrId: 'SRC-9' }).ref).toBe('ehr:SRC-9');
    expect(organizationIdentity({ name: 'Mercy Gen. Hosp.', address: { zip: '30301-1234', city: 'Atlanta' } }).ref).toBe('name:mercy gen hospital|30301');
    expect(organizationIdentity({ name: 'Mercy Gen. Hosp.', address: { city: 'Atlanta' } }).ref).toBe('name:mercy gen hospital|atlanta');
    expect(practitionerIdentity({ familyName: 'Okafor', givenName: 'Ada', suffix: 'MD' })).toMatchObject({
      ref: 'name:okafor ada|',
      displayName: 'Ada Okafor, MD',
      name: 'Ada Okafor',
      familyName: 'Okafor',
    });
  });
});

describe('the owner chain', () => {
  const marketerOwners = new Map([['MKT-101', '71000101']]);
  const company = { id: '501', name: 'Mercy General', ownerId: '71000102' };
  const contact = { id: '601', name: 'Ada Okafor', ownerId: '71000103' };

  it("the EHR marketer's mapped owner comes first", () => {
    expect(chooseOwner({ marketerId: 'MKT-101', marketerOwners, company, contact, defaultOwnerId: '71000105' })).toEqual({
      ownerId: '71000101',
      method: 'marketer',
      reason: 'the EHR names marketer MKT-101, mapped to owner 71000101',
    });
  });

  it("then the company's owner, saying why the marketer was passed over", () => {
    expect(chooseOwner({ marketerId: 'MKT-999', marketerOwners, company, contact })).toEqual({
      ownerId: '71000102',
      method: 'company_owner',
      reason: 'owner 71000102 owns the referral source Mercy General (marketer MKT-999 is not mapped to an owner)',
    });
  });

  it("then the clinician contact's owner, then the default, then nobody", () => {
    const unowned = { ...company, ownerId: null };
    expect(chooseOwner({ marketerOwners, company: unowned, contact }).method).toBe('contact_owner');
    expect(chooseOwner({ marketerOwners, company: unowned, contact: { ...contact, ownerId: null }, defaultOwnerId: '71000105' })).toEqual({
      ownerId: '71000105',
      method: 'default',
      reason:
        "the portal's default owner (the EHR names no marketer; the source Mercy General has no owner; the clinician Ada Okafor has no owner)",
    });
    expect(chooseOwner({ marketerOwners })).toEqual({
      ownerId: null,
      method: 'none',
      reason: 'nobody: the EHR names no marketer; no source company is matched; no clinician contact is matched; no default owner is set',
    });
  });

  it('a marketer mapped to someone who is no longer an owner is passed over, and said so', () => {
    const decision = chooseOwner({
      marketerId: 'MKT-102',
      marketerOwners,
      unresolvedMarketers: new Map([['MKT-102', 'left@agency.example']]),
      company,
    });
    expect(decision.method).toBe('company_owner');
    expect(decision.reason).toContain('marketer MKT-102 is mapped to "left@agency.example", who is not an active HubSpot owner');
  });
});
