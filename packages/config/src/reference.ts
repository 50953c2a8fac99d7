import { NORMALIZE } from './schema/common.js';

/**
 * Renders the key reference of docs/config.md from the schema, so the doc's tables cannot drift
 * from what the loader accepts. Tooling only (used by scripts/gen-config-schema.mjs), not part of
 * the package's runtime surface.
 */

type Node = Record<string | symbol, unknown>;

interface Row {
  readonly key: string;
  readonly type: string;
  readonly def: string;
  readonly description: string;
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

function typeOf(s: Node): string {
  if (s[NORMALIZE] === 'duration') return 'duration';
  if (s[NORMALIZE] === 'path') return 'path';
  if (Array.isArray(s.enum)) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  const alternatives = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined) as
    unknown[] | undefined;
  if (alternatives && s.type === undefined) return alternatives.filter(isNode).map(typeOf).join(' or ');
  switch (s.type) {
    case 'array':
      return isNode(s.items) ? `list of ${typeOf(s.items)}` : 'list';
    case 'object':
      if (isNode(s.additionalProperties) && !isNode(s.properties))
        return `map of ${typeOf(s.additionalProperties)}`;
      return 'mapping';
    case undefined:
      return 'any';
    default:
      return Array.isArray(s.type) ? s.type.join(' or ') : String(s.type);
  }
}

function defaultOf(s: Node): string {
  if (!('default' in s)) return '';
  const d = s.default;
  if (isNode(d) && Object.keys(d).length === 0) return '';
  return `\`${JSON.stringify(d)}\``;
}

function collect(s: Node, key: string, rows: Row[]): void {
  rows.push({
    key,
    type: typeOf(s),
    def: defaultOf(s),
    description: typeof s.description === 'string' ? s.description : '',
  });
  walkChildren(s, key, rows);
}

function walkChildren(s: Node, key: string, rows: Row[]): void {
  if (isNode(s.properties)) {
    for (const [k, sub] of Object.entries(s.properties)) if (isNode(sub)) collect(sub, `${key}.${k}`, rows);
  }
  if (isNode(s.additionalProperties) && (s.additionalProperties.properties || s.additionalProperties.items)) {
    walkChildren(s.additionalProperties, `${key}.<name>`, rows);
  }
  if (s.type === 'array' && isNode(s.items) && isNode(s.items.properties))
    walkChildren(s.items, `${key}[]`, rows);
}

/** One `### section` heading and table per top-level section, in schema order. */
export function renderKeyReference(schema: unknown): string {
  if (!isNode(schema) || !isNode(schema.properties)) throw new TypeError('not a config schema');
  const out: string[] = [];
  for (const [name, section] of Object.entries(schema.properties)) {
    if (name === '$schema' || !isNode(section)) continue;
    const rows: Row[] = [];
    walkChildren(section, name, rows);
    out.push(
      `### \`${name}\``,
      '',
      cell(typeof section.description === 'string' ? section.description : ''),
      '',
    );
    if (name === 'upstreams') out.push('Each `upstreams.<name>` entry takes:', '');
    if (rows.length === 0) {
      out.push('_No keys yet._', '');
      continue;
    }
    out.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |');
    for (const r of rows) out.push(`| \`${r.key}\` | ${r.type} | ${r.def} | ${cell(r.description)} |`);
    out.push('');
  }
  return out.join('\n');
}
