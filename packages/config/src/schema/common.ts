/**
 * Building blocks shared by every config section schema. Section modules export plain JSON Schema
 * objects (draft-07, accepted by ajv 8 in strict mode); these helpers keep the recurring shapes —
 * durations, file paths, names — identical everywhere and mark them so the loader can normalize
 * them (durations → milliseconds, paths → absolute) whatever section they appear in.
 */

/** Upstream names and aliases: they become tool-name prefixes, so only lowercase, digits and `-`. */
export const NAME_PATTERN = '^[a-z0-9-]+$';

/** `250ms`, `30s`, `2m`, `1h`, `400d` — or a plain integer number of milliseconds. */
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';

/**
 * Marks a schema whose validated value the loader rewrites. A symbol-keyed property is invisible to
 * ajv and to JSON.stringify (so it never reaches the published schema file), yet survives object
 * spread, so `{ ...duration('…', '30s'), title: 'x' }` stays a duration.
 */
export const NORMALIZE: unique symbol = Symbol('mcpgate.config.normalize');

export interface DurationSchema {
  readonly description: string;
  readonly default?: string | number;
  readonly anyOf: readonly [
    { readonly type: 'integer'; readonly minimum: 0 },
    { readonly type: 'string'; readonly pattern: string },
  ];
  readonly [NORMALIZE]: 'duration';
}

export interface PathSchema {
  readonly type: 'string';
  readonly minLength: 1;
  readonly description: string;
  readonly default?: string;
  readonly [NORMALIZE]: 'path';
}

/**
 * A duration key. In the loaded config its value is a number of milliseconds, so section types
 * declare it as `number`.
 */
export function duration(description: string, defaultValue?: string | number): DurationSchema {
  return {
    description: `${description} A duration: \`250ms\`, \`30s\`, \`2m\`, \`1h\`, \`7d\`, or a number of milliseconds.`,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    anyOf: [
      { type: 'integer', minimum: 0 },
      { type: 'string', pattern: DURATION_PATTERN },
    ],
    [NORMALIZE]: 'duration',
  };
}

/** A filesystem path key. Relative values are resolved against the config file's directory at load. */
export function filePath(description: string, defaultValue?: string): PathSchema {
  return {
    type: 'string',
    minLength: 1,
    description: `${description} Relative paths are resolved against the directory of the config file.`,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    [NORMALIZE]: 'path',
  };
}
