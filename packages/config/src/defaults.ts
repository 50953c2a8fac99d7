import { Ajv, type ValidateFunction } from 'ajv';
import { applyMarks } from './normalize.js';
import { SECTIONS } from './schema/root.js';
import type { CheckedSection, GatewayConfig } from './types.js';

const validators = new Map<CheckedSection, ValidateFunction>();

/**
 * A section with its schema's defaults filled in (on a copy) and durations in milliseconds, the
 * way the loader would hand it over: for code that builds a section without a config file (the
 * concern packages' own defaults, tests, embedding). Defaults are written once, in the schema.
 * It does not validate — refusing bad input is the loader's job — and leaves paths as given.
 */
export function withSectionDefaults<K extends CheckedSection>(name: K, partial?: unknown): GatewayConfig[K] {
  let fill = validators.get(name);
  if (!fill) {
    // Wrapped as a key of a document, as in the config file (a section's own root default applies).
    fill = new Ajv({ strict: false, allErrors: true, useDefaults: true }).compile({
      type: 'object',
      properties: { [name]: SECTIONS[name] },
    });
    validators.set(name, fill);
  }
  const doc: Record<string, unknown> = partial === undefined ? {} : { [name]: structuredClone(partial) };
  fill(doc);
  return applyMarks(SECTIONS[name], doc[name] ?? {}, undefined) as GatewayConfig[K];
}
