import type { PathSegment } from './types.js';

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** `['upstreams', 'docs', 'args', 0]` → `upstreams.docs.args[0]`; odd keys are quoted: `headers["X.Y"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Ajv's instancePath (`/upstreams/docs/args/0`) as path segments. */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segs: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^[0-9]+$/.test(key)) {
      segs.push(Number(key));
      cur = cur[Number(key)];
    } else {
      segs.push(key);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return segs;
}
