import { jsonDepth, type MaskingEvent } from '@mcpgate/core';
import { formatLocation, pathMatches, type Location } from './jsonpath.js';
import { normalizeKey, type CompiledProfile } from './profile.js';
import { scanText } from './scan.js';
import type { Replacer, StrategyName } from './strategies.js';

/** Above this many matches in one string, events are summarised per detector (bounded audit rows). */
const MAX_EVENTS_PER_STRING = 20;
/** JSON text is parsed and masked structurally only below this size; larger text is scanned as text. */
const MAX_JSON_TEXT = 8 * 1024 * 1024;
const MAX_DEPTH = 64;

/** Where a string sits: the event path prefix (e.g. `content[0].text`) and its JSON location. */
export interface Place {
  /** Path of the enclosing document in the MCP message (`structuredContent`, `content[0].text:$`). */
  readonly doc: string;
  /** Location within the document (used by field rules and rendered after `doc`). */
  readonly loc: Location;
}

export function placePath(p: Place): string {
  if (p.loc.length === 0) return p.doc;
  const inner = formatLocation(p.loc);
  if (p.doc.length === 0) return inner;
  return `${p.doc}${inner.startsWith('[') ? '' : '.'}${inner}`;
}

/** Masks detector matches inside one string. Returns the input itself when nothing matched. */
export function maskText(
  text: string,
  place: Place,
  profile: CompiledProfile,
  events: MaskingEvent[],
): string {
  const matches = scanText(text, profile.detectors);
  if (matches.length === 0) return text;
  const path = placePath(place);
  let out = '';
  let pos = 0;
  const summary = new Map<string, { strategy: string; count: number; start: number; end: number }>();
  const many = matches.length > MAX_EVENTS_PER_STRING;
  for (const m of matches) {
    const st = profile.detectorStrategy.get(m.detector)!;
    out += text.slice(pos, m.start) + st.replace(text.slice(m.start, m.end), m.detector);
    pos = m.end;
    if (many) {
      const s = summary.get(m.detector);
      if (s) {
        s.count++;
        s.end = m.end;
      } else summary.set(m.detector, { strategy: st.strategy, count: 1, start: m.start, end: m.end });
    } else {
      events.push({
        detector: m.detector,
        path,
        start: m.start,
        end: m.end,
        count: 1,
        strategy: st.strategy,
      });
    }
  }
  for (const [detector, s] of summary) events.push({ detector, path, ...s });
  return out + text.slice(pos);
}

function wholeValue(
  value: unknown,
  place: Place,
  id: string,
  strategy: StrategyName,
  replace: Replacer,
  events: MaskingEvent[],
): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') {
    if (value.length === 0) return value;
    events.push({ detector: id, path: placePath(place), start: 0, end: value.length, count: 1, strategy });
    return replace(value, id);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    const s = String(value);
    events.push({ detector: id, path: placePath(place), start: 0, end: s.length, count: 1, strategy });
    return replace(s, id);
  }
  if (Array.isArray(value))
    return value.map((v, i) =>
      wholeValue(v, { ...place, loc: [...place.loc, i] }, id, strategy, replace, events),
    );
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      setOwn(out, k, wholeValue(v, { ...place, loc: [...place.loc, k] }, id, strategy, replace, events));
    return out;
  }
  return value;
}

/** Pagination cursors end in "token" but are not credentials; masking them would break paging. */
const NOT_SECRET_SUFFIXES = ['pagetoken', 'nexttoken', 'continuationtoken', 'synctoken'];

function keyRule(profile: CompiledProfile, key: string | number): string | undefined {
  if (typeof key !== 'string' || profile.keyNames.length === 0) return undefined;
  const k = normalizeKey(key);
  if (NOT_SECRET_SUFFIXES.some((s) => k.endsWith(s))) return undefined;
  return profile.keyNames.find((n) => k.endsWith(n));
}

/**
 * Masks a JSON value: field rules and key-name rules replace whole values; every other string is
 * scanned by the detectors (and parsed as JSON first when it looks like JSON). Returns the same
 * object when nothing changed, so callers can tell cheaply.
 */
export function maskValue(
  value: unknown,
  place: Place,
  profile: CompiledProfile,
  events: MaskingEvent[],
): unknown {
  if (place.loc.length > 0) {
    for (const f of profile.fields)
      if (pathMatches(f.segments, place.loc))
        return wholeValue(value, place, `field:${f.id}`, f.strategy, f.replace, events);
    const key = place.loc[place.loc.length - 1]!;
    const name = keyRule(profile, key);
    if (name !== undefined)
      return wholeValue(
        value,
        place,
        `key:${name}`,
        profile.keyStrategy.strategy,
        profile.keyStrategy.replace,
        events,
      );
  }
  if (typeof value === 'string') return maskString(value, place, profile, events);
  if (typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) >= 1e9) {
    // A card or account number stored as a JSON number: scan its digits; a match replaces the
    // whole number with the (string) replacement.
    const digits = String(value);
    const masked = maskText(digits, place, profile, events);
    return masked === digits ? value : masked;
  }
  if (value === null || typeof value !== 'object') return value;
  // Deeper than the walk goes (only possible in a JSON document embedded in a string, or with
  // limits.maxJsonDepth raised past 64): fail closed — the whole subtree is scanned as text, never
  // passed through unscanned.
  if (place.loc.length > MAX_DEPTH) return maskDeepSubtree(value, place, profile, events);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v, i) => {
      const m = maskValue(v, { ...place, loc: [...place.loc, i] }, profile, events);
      if (m !== v) changed = true;
      return m;
    });
    return changed ? out : value;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const m = maskValue(v, { ...place, loc: [...place.loc, k] }, profile, events);
    if (m !== v) changed = true;
    setOwn(out, k, m);
  }
  return changed ? out : value;
}

/**
 * `out[k] = v`, except that a `"__proto__"` key (which JSON.parse makes an ordinary own property)
 * stays a property: plain assignment would set the copy's prototype and drop the key.
 */
function setOwn(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

function looksLikeJson(text: string): boolean {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t'))
    i++;
  return text[i] === '{' || text[i] === '[';
}

/**
 * JSON.parse turns integers past 2^53 and long decimals into nearby doubles; re-serialising would
 * silently change them. A digit run of 16+ that does not survive Number → String means "do not
 * round-trip": the text is scanned as text instead.
 */
function hasUnsafeNumber(text: string): boolean {
  let run = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      run++;
      continue;
    }
    if (run >= 16) {
      const digits = text.slice(i - run, i);
      if (String(Number(digits)) !== digits || c === 46 || c === 101 || c === 69) return true;
    }
    run = 0;
  }
  return false;
}

/**
 * A string that is a JSON document is masked structurally (so key and field rules apply) and
 * re-serialised, pretty-printed if it was; anything else is scanned as text.
 */
export function maskString(
  text: string,
  place: Place,
  profile: CompiledProfile,
  events: MaskingEvent[],
): string {
  if (text.length <= MAX_JSON_TEXT && looksLikeJson(text) && !hasUnsafeNumber(text)) {
    let doc: unknown;
    let parsed = false;
    try {
      doc = JSON.parse(text);
      parsed = true;
    } catch {
      // Not JSON after all: fall through to text scanning.
    }
    // A document deeper than the structural walk goes is scanned as text instead (fail closed).
    if (parsed && jsonDepth(doc, MAX_DEPTH) <= MAX_DEPTH) {
      const inner: Place = { doc: `${placePath(place)}:$`, loc: [] };
      const masked = maskValue(doc, inner, profile, events);
      if (masked === doc) return text;
      return JSON.stringify(masked, null, text.includes('\n') ? 2 : undefined);
    }
  }
  return maskText(text, place, profile, events);
}

/**
 * A subtree below the walk's depth bound, masked as the text of its JSON: a match replaces the
 * subtree with the masked text (a string); without one it is returned as it was. JSON.stringify
 * is safe here: the faces bound message depth (limits.maxJsonDepth ≤ 1000) far below where it
 * gives out, and an embedded document that deep was already diverted to text scanning.
 */
function maskDeepSubtree(
  value: object,
  place: Place,
  profile: CompiledProfile,
  events: MaskingEvent[],
): unknown {
  const text = JSON.stringify(value);
  const masked = maskText(text, place, profile, events);
  return masked === text ? value : masked;
}
