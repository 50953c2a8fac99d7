/**
 * Static path containment for `pathWithin` / `pathOutside`. The question is "could this argument
 * name a file outside the allowed roots?", answered on the text alone, so every ambiguity counts
 * as outside (fail-closed): relative paths, `~`, NUL bytes, undecodable or still-encoded text.
 *
 * Normalization: `file://` URIs → path; URL-decoding repeated until stable (catches `%2e%2e`
 * and double encoding `%252e`); backslashes → `/`; duplicate slashes, `.` and `..` collapsed;
 * then containment is checked per path component, so `/data2` is not inside `/data`.
 * A symlink inside a root that points elsewhere cannot be seen from text — keep roots free of
 * such links, or let the upstream (server-filesystem does) resolve real paths as well.
 */

/** Maximum URL-decoding rounds; text still changing after this is treated as hostile. */
const MAX_DECODE_ROUNDS = 4;

/** Returns the normalized absolute path, or undefined when the text cannot be judged safely. */
export function normalizePath(raw: string): string | undefined {
  if (raw.length === 0 || raw.includes('\0')) return undefined;
  let text = raw;
  for (let round = 0; ; round++) {
    if (!text.includes('%')) break;
    if (round >= MAX_DECODE_ROUNDS) return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      // A stray "%" in a real file name is possible, but so is a crafted half-encoding: refuse.
      return undefined;
    }
    if (decoded === text) break;
    text = decoded;
  }
  if (text.includes('\0')) return undefined;
  if (/^file:/i.test(text)) {
    // file:///x, file://localhost/x; a remote host is not a local path.
    const m = /^file:(\/\/([^/]*))?(\/.*)?$/i.exec(text.replace(/\\/g, '/'));
    if (!m) return undefined;
    const host = m[2];
    if (host !== undefined && host !== '' && host.toLowerCase() !== 'localhost') return undefined;
    text = m[3] ?? '';
  }
  text = text.replace(/\\/g, '/');
  if (!text.startsWith('/')) return undefined;
  const out: string[] = [];
  for (const part of text.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      out.pop();
      continue;
    }
    out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Roots are normalized the same way; an invalid root is a config error. */
export function normalizeRoot(root: string): string {
  const n = normalizePath(root);
  if (n === undefined) throw new Error(`invalid root "${root}": roots must be absolute paths`);
  return n;
}

export function isWithin(path: string, root: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(`${root}/`);
}

/** True when raw names a path inside one of the (normalized) roots. */
export function pathWithin(raw: string, roots: readonly string[]): boolean {
  const n = normalizePath(raw);
  if (n === undefined) return false;
  return roots.some((r) => isWithin(n, r));
}
