import { createHmac } from 'node:crypto';
import { GatewayError } from '@mcpgate/core';

export type StrategyName = 'redact' | 'partial' | 'hash';

export interface StrategyOptions {
  /** HMAC key for `hash` (resolved from a secret reference by config). */
  readonly hashKey?: string | undefined;
  /** Hex characters of the HMAC kept in the output (default 16 = 64 bits). */
  readonly hashLength?: number | undefined;
  /** Characters kept by `partial` (default 4). */
  readonly partialKeep?: number | undefined;
}

/** A configured replacement function; the raw value goes in and never comes out. */
export type Replacer = (value: string, id: string) => string;

export function redact(_value: string, id: string): string {
  return `[REDACTED:${id}]`;
}

/**
 * Keeps a little for humans to recognise: the last N alphanumerics of numbers and tokens
 * (`•••• 4242`), the first letter and the domain of an email (`j***@example.com`). Never keeps
 * more than a quarter of the value, so a short secret is not half-revealed.
 */
export function partial(value: string, id: string, keep = 4): string {
  const atIdx = value.lastIndexOf('@');
  if (id === 'email' && atIdx > 0) return `${value[0]}***${value.slice(atIdx)}`;
  let alnum = '';
  for (let i = value.length - 1; i >= 0 && alnum.length < keep; i--) {
    if (/[A-Za-z0-9]/.test(value[i]!)) alnum = value[i]! + alnum;
  }
  const cap = Math.floor(value.length / 4);
  const kept = alnum.slice(Math.max(0, alnum.length - cap));
  return kept.length > 0 ? `•••• ${kept}` : '••••';
}

export function hashReplacer(key: string, length = 16): Replacer {
  return (value: string, id: string) => {
    const mac = createHmac('sha256', key).update(value, 'utf8').digest('hex');
    return `[HASH:${id}:${mac.slice(0, length)}]`;
  };
}

/** Builds the replacer for a strategy; `hash` without a key is a configuration error, found at load. */
export function replacerFor(strategy: StrategyName, opts: StrategyOptions): Replacer {
  switch (strategy) {
    case 'redact':
      return redact;
    case 'partial': {
      const keep = opts.partialKeep ?? 4;
      return (v, id) => partial(v, id, keep);
    }
    case 'hash':
      if (!opts.hashKey)
        throw new GatewayError(
          'internal',
          'masking: strategy "hash" needs masking.hashKey (a secret reference)',
        );
      return hashReplacer(opts.hashKey, opts.hashLength ?? 16);
  }
}
