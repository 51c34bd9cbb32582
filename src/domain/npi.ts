/**
 * National Provider Identifier: ten digits, the last a Luhn check digit computed over the prefix "80840" and the
 * first nine (CMS, "Requirements for NPI check digit").
 */
export function npiCheckDigit(nineDigits: string): number {
  const digits = `80840${nineDigits}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    // From the right, every second digit of the payload (the rightmost first) is doubled.
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidNpi(value: string): boolean {
  return /^\d{10}$/.test(value) && npiCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

/** The NPI made of nine digits and their check digit (synthetic data). */
export function completeNpi(nineDigits: string): string {
  return `${nineDigits}${npiCheckDigit(nineDigits)}`;
}
