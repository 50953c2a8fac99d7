// Character-class tests on UTF-16 code units. Hand-rolled scanners use these instead of regexes
// so that every loop is visibly bounded.

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

export function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

export function isAlpha(c: number): boolean {
  return isUpper(c) || isLower(c);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}

/** Word character as in `\w`. */
export function isWord(c: number): boolean {
  return isAlnum(c) || c === 95;
}

export function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** base64url alphabet (JWT segments). */
export function isB64Url(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95;
}

/** Code unit at `i`, or -1 outside the string (so boundary checks need no special case). */
export function at(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
}
