import { completeNpi, isValidNpi, npiCheckDigit } from '../../src/domain/npi';

describe('NPI check digit', () => {
  it("follows CMS's worked example: 123456789 takes check digit 3", () => {
    // CMS: prefix 80840 + 123456789; doubling alternate digits from the right gives a sum of 67 → next ten 70 → 3.
    expect(npiCheckDigit('123456789')).toBe(3);
    expect(completeNpi('123456789')).toBe('1234567893');
    expect(isValidNpi('1234567893')).toBe(true);
  });

  it('refuses a wrong check digit, a short number and letters', () => {
    expect(isValidNpi('1234567890')).toBe(false);
    expect(isValidNpi('123456789')).toBe(false);
    expect(isValidNpi('12345678A3')).toBe(false);
  });
});
