import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { SECTIONS } from '../src/schema/root.js';
import type { CheckedSection } from '../src/types.js';

// Each section's TypeScript type (what code reads) is written beside its JSON Schema (what the
// loader enforces). This pins the two together with the compiler's own view of the type: at every
// object level the same keys, and a key is optional in the type exactly when the schema neither
// requires it nor gives it a default (the loader fills defaults, so those keys are always there).
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'types.ts');
const CHECKED: readonly CheckedSection[] = [
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
];

type Schema = {
  readonly properties?: Record<string, Schema>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: boolean | Schema;
  readonly default?: unknown;
};

function sectionTypes(): { checker: ts.TypeChecker; section: (name: string) => ts.Type } {
  const program = ts.createProgram([SRC], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(SRC)!;
  const gateway = checker
    .getExportsOfModule(checker.getSymbolAtLocation(file)!)
    .find((s) => s.name === 'GatewayConfig')!;
  const type = checker.getDeclaredTypeOfSymbol(gateway);
  return {
    checker,
    section: (name) => checker.getTypeOfSymbol(checker.getPropertyOfType(type, name)!),
  };
}

function drift(checker: ts.TypeChecker, schema: Schema, type: ts.Type, at: string, out: string[]): void {
  const t = checker.getNonNullableType(type);
  if (schema.properties) {
    const props = checker.getPropertiesOfType(t);
    const typeKeys = new Set(props.map((p) => p.name));
    for (const [key, sub] of Object.entries(schema.properties)) {
      const p = props.find((x) => x.name === key);
      if (!p) {
        out.push(`${at}.${key}: in the schema, not in the type`);
        continue;
      }
      const optionalInType = (p.flags & ts.SymbolFlags.Optional) !== 0;
      const alwaysThere = (schema.required ?? []).includes(key) || sub.default !== undefined;
      if (optionalInType === alwaysThere)
        out.push(
          `${at}.${key}: ${alwaysThere ? 'required or defaulted in the schema, optional in the type' : 'optional in the schema, required in the type'}`,
        );
      drift(checker, sub, checker.getTypeOfSymbol(p), `${at}.${key}`, out);
    }
    for (const key of typeKeys)
      if (!(key in schema.properties)) out.push(`${at}.${key}: in the type, not in the schema`);
    return;
  }
  if (schema.items) {
    const item = checker.getIndexTypeOfType(t, ts.IndexKind.Number);
    if (item) drift(checker, schema.items, item, `${at}[]`, out);
    return;
  }
  if (typeof schema.additionalProperties === 'object') {
    const value = checker.getIndexTypeOfType(t, ts.IndexKind.String);
    if (value) drift(checker, schema.additionalProperties, value, `${at}.*`, out);
  }
}

describe('each config section type matches its schema (one shape, checked)', () => {
  const { checker, section } = sectionTypes();
  for (const name of CHECKED) {
    it(name, () => {
      const out: string[] = [];
      drift(checker, SECTIONS[name] as Schema, section(name), name, out);
      expect(out).toEqual([]);
    });
  }

  it('notices drift (a key the type lacks, a default the type calls optional)', () => {
    const out: string[] = [];
    const schema: Schema = {
      properties: { mode: { default: 'local' }, extra: {} },
    };
    drift(checker, schema, section('auth'), 'auth', out);
    expect(out).toContain('auth.extra: in the schema, not in the type');
    expect(out).toContain('auth.apiKeys: in the type, not in the schema');
  });
});
