/** A span found by a detector in one string: `[start, end)` in UTF-16 code units. */
export interface Match {
  readonly detector: string;
  readonly start: number;
  readonly end: number;
  /** Higher wins when two matches overlap (secrets outrank personal data). */
  readonly priority: number;
}

export type DetectorKind = 'pii' | 'secret' | 'network' | 'custom';

/**
 * One detector. `find` must be linear in `text.length`: each candidate position may cost at most
 * a bounded amount of work, and a scanner that reads ahead must resume after what it read.
 */
export interface Detector {
  /** Stable id: appears in masking events and `[REDACTED:<id>]`; never rename one. */
  readonly id: string;
  readonly kind: DetectorKind;
  readonly description: string;
  /** Literal strings the detector anchors on (documentation; `find` searches them itself). */
  readonly triggers?: readonly string[];
  /** Shortest text this detector can match in; shorter strings skip it (structured content is many short strings). */
  readonly minLength?: number;
  /** Skip this detector on text without an ASCII digit. */
  readonly needsDigit?: boolean;
  find(text: string, out: Match[]): void;
}

export const PRIORITY = { secret: 30, pii: 20, network: 10, custom: 25 } as const;
