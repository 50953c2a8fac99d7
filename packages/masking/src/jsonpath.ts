import { GatewayError } from '@mcpgate/core';

/**
 * The JSON path subset field rules use:
 *   `$`            the root
 *   `.name` / `['name']`   a member
 *   `[0]`          an array index
 *   `[*]` / `.*`   every element or member
 *   `..name`       `name` at any depth (also `..*`)
 * No filters or scripts: a path is matched against a concrete location, never evaluated.
 */
export type PathSegment =
  | { readonly kind: 'member'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'descend' };

export type Location = readonly (string | number)[];

export function parseJsonPath(path: string): PathSegment[] {
  const fail = (why: string): never => {
    throw new GatewayError('internal', `masking: invalid JSON path "${path}": ${why}`);
  };
  if (!path.startsWith('$')) fail('must start with "$"');
  const segs: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      segs.push({ kind: 'descend' });
      i += 2;
      if (path[i] === '[') continue;
      i = readName(path, i, segs, fail);
    } else if (path[i] === '.') {
      i = readName(path, i + 1, segs, fail);
    } else if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close === -1) fail('unclosed "["');
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') segs.push({ kind: 'wildcard' });
      else if (/^\d{1,9}$/.test(inner)) segs.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner))
        segs.push({ kind: 'member', name: inner.slice(1, -1) });
      else fail(`unsupported selector "[${inner}]"`);
      i = close + 1;
    } else {
      fail(`unexpected "${path[i]}" at ${i}`);
    }
  }
  if (segs.length > 0 && segs[segs.length - 1]!.kind === 'descend') fail('ends with ".."');
  return segs;
}

function readName(path: string, i: number, segs: PathSegment[], fail: (why: string) => never): number {
  let j = i;
  while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
  const name = path.slice(i, j);
  if (name.length === 0) fail(`empty name at ${i}`);
  segs.push(name === '*' ? { kind: 'wildcard' } : { kind: 'member', name });
  return j;
}

function stepMatches(seg: PathSegment, key: string | number): boolean {
  switch (seg.kind) {
    case 'member':
      return typeof key === 'string' && key === seg.name;
    case 'index':
      return typeof key === 'number' && key === seg.index;
    case 'wildcard':
      return true;
    case 'descend':
      return false;
  }
}

/**
 * Whether a concrete location (keys from the root) is selected by the path. Bounded: memoised on
 * (segment, depth) pairs, so `..` costs at most segments × depth.
 */
export function pathMatches(segs: readonly PathSegment[], loc: Location): boolean {
  const memo = new Map<number, boolean>();
  const go = (si: number, li: number): boolean => {
    const k = si * (loc.length + 1) + li;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (si === segs.length) r = li === loc.length;
    else if (segs[si]!.kind === 'descend') {
      r = false;
      for (let j = li; j < loc.length && !r; j++) r = go(si + 1, j);
    } else r = li < loc.length && stepMatches(segs[si]!, loc[li]!) && go(si + 1, li + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** Renders a location as a path for events: `structuredContent.users[2].email`. */
export function formatLocation(loc: Location, prefix = ''): string {
  let out = prefix;
  for (const k of loc) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(k)) out += out.length === 0 ? k : `.${k}`;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}
