import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import type { ConfigIssue, PathSegment } from './types.js';
import { formatPath } from './path.js';

/** A parsed config file that can answer "which line is this key on?" for any path into it. */
export interface YamlSource {
  readonly doc: Document;
  /** Plain JS value of the document (undefined for an empty file). */
  readonly data: unknown;
  /** YAML syntax problems, duplicate keys included, each with its position and path. */
  readonly errors: readonly ConfigIssue[];
  /** Position of the node at `path` (its key where it has one), or of its nearest existing ancestor. */
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined;
}

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  // Core schema only (no custom tags); duplicate keys are errors; `<<: *anchor` merge keys are
  // allowed so upstreams can share settings.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: true,
    uniqueKeys: true,
    schema: 'core',
    merge: true,
  });
  const pos = (offset: number): { line: number; column: number } => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };

  const errors: ConfigIssue[] = doc.errors.map((e) => {
    const at = pos(e.pos[0]);
    // yaml's messages end with a code excerpt of the source line; keep only the first line so a
    // literal secret on that line is not copied into the error.
    const message =
      e.code === 'DUPLICATE_KEY'
        ? 'duplicate key: already defined in this mapping'
        : (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
    return { path: formatPath(pathAtOffset(doc, e.pos[0])), ...at, message };
  });

  let data: unknown;
  // Duplicate keys leave a usable document, so schema checks still run and every error is listed
  // at once; real syntax errors do not.
  if (doc.errors.every((e) => e.code === 'DUPLICATE_KEY')) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      errors.push({
        path: '',
        line: 1,
        column: 1,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }

  return {
    doc,
    data,
    errors,
    locate(path) {
      const offset = offsetOf(doc, path);
      return offset === undefined ? undefined : pos(offset);
    },
  };
}

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function findPair(doc: Document, map: { items: Pair[] }, key: PathSegment, depth = 0): Pair | undefined {
  const own = map.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
  if (own || depth > 8) return own;
  // Not written here: it may come from a merge key (`<<: *base` or `<<: [*a, *b]`), whose
  // anchored mapping is where the value — and the line to report — actually is.
  for (const p of map.items) {
    if (!isMergeKey(p.key)) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const source of sources) {
      const target = deref(doc, source);
      const found = isMap(target) ? findPair(doc, target, key, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** With `merge: true`, yaml parses a plain `<<` key as a scalar whose source is `<<`. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.source === '<<';
}

function startOf(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

function offsetOf(doc: Document, path: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let best = startOf(node) ?? 0;
  for (const seg of path) {
    node = deref(doc, node);
    if (isMap(node)) {
      const pair = findPair(doc, node, seg);
      if (!pair) break;
      best = startOf(pair.key) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = startOf(item) ?? best;
      node = item;
    } else {
      break;
    }
  }
  return best;
}

/** The path of the innermost key or item whose source span contains `offset`. */
function pathAtOffset(doc: Document, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    node = deref(doc, node);
    let next: unknown;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyStart = startOf(pair.key);
        const end = (pair.value as Node | null)?.range?.[2] ?? (pair.key as Node | null)?.range?.[2];
        if (keyStart !== undefined && end !== undefined && offset >= keyStart && offset <= end) {
          path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
          next = pair.value;
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const r = (item as Node | null)?.range;
        if (r && offset >= r[0] && offset <= r[2]) {
          path.push(i);
          next = item;
        }
      });
    }
    if (next === undefined) return path;
    node = next;
  }
}
