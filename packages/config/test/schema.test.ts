import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSchema, SECTIONS } from '../src/schema/root.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMMITTED = fileURLToPath(new URL('../schema/mcpgate.schema.json', import.meta.url));

type Node = Record<string, unknown>;

/** Every object schema reachable through properties/additionalProperties/items, with its JSON path. */
function objectSchemas(node: unknown, path: string, out: [string, Node][] = []): [string, Node][] {
  if (node === null || typeof node !== 'object') return out;
  const s = node as Node;
  if (s.type === 'object' && (s.properties !== undefined || s.additionalProperties !== undefined))
    out.push([path, s]);
  for (const [k, v] of Object.entries((s.properties as Node | undefined) ?? {}))
    objectSchemas(v, `${path}.${k}`, out);
  if (typeof s.additionalProperties === 'object') objectSchemas(s.additionalProperties, `${path}.*`, out);
  if (typeof s.items === 'object') objectSchemas(s.items, `${path}[]`, out);
  return out;
}

describe('config JSON Schema', () => {
  it('compiles under ajv strict mode (draft-07)', () => {
    const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true });
    expect(() => ajv.compile(configSchema)).not.toThrow();
  });

  it('has every section, and top-level $schema for editors', () => {
    expect(Object.keys(configSchema.properties)).toEqual(['$schema', ...Object.keys(SECTIONS)]);
    expect(Object.keys(SECTIONS)).toEqual([
      'upstreams',
      'naming',
      'limits',
      'logging',
      'store',
      'audit',
      'server',
      'auth',
      'policy',
      'masking',
      'approvals',
      'console',
      'tracing',
    ]);
  });

  it('closes every object with a fixed key set (unknown keys are errors) and describes every key', () => {
    const objects = objectSchemas(configSchema, '$');
    expect(objects.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const [path, s] of objects) {
      if (s.properties !== undefined && s.additionalProperties !== false)
        missing.push(`${path}: additionalProperties`);
      for (const [k, v] of Object.entries((s.properties as Node | undefined) ?? {})) {
        const desc = (v as Node).description;
        if (typeof desc !== 'string' || desc.length < 10) missing.push(`${path}.${k}: description`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the committed mcpgate.schema.json equals the source (no drift)', () => {
    const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configSchema)));
  });

  it('the generator --check agrees for the schema file and the key tables in docs/config.md', () => {
    // Runs on the built package, as CI does; `pnpm build` precedes the tests.
    const out = execFileSync(process.execPath, ['scripts/gen-config-schema.mjs', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out).toContain('packages/config/schema/mcpgate.schema.json is up to date');
    expect(out).toContain('docs/config.md is up to date');
  });
});
