import { GatewayError } from './errors.js';
import type { JsonObject } from './call.js';
import { exposeName, type NamingOptions } from './naming.js';

export type CatalogKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** What one upstream currently offers, every page fetched. Items are the upstream's own objects. */
export interface UpstreamCatalog {
  readonly tools: readonly JsonObject[];
  readonly prompts: readonly JsonObject[];
  readonly resources: readonly JsonObject[];
  readonly resourceTemplates: readonly JsonObject[];
}

export const EMPTY_CATALOG: UpstreamCatalog = Object.freeze({
  tools: [],
  prompts: [],
  resources: [],
  resourceTemplates: [],
});

export interface CatalogEntry {
  readonly upstream: string;
  /** Name as the upstream knows it. */
  readonly name: string;
  /** Name as clients see it. */
  readonly exposedName: string;
  /** The definition as clients see it (name rewritten). */
  readonly exposed: JsonObject;
  /** The upstream's definition, untouched (used for pinning hashes and annotations). */
  readonly original: JsonObject;
}

export interface TemplateEntry {
  readonly upstream: string;
  readonly template: string;
  readonly matcher: { test(uri: string): boolean };
  readonly exposed: JsonObject;
}

export interface UpstreamListing {
  readonly name: string;
  readonly prefix: string;
  readonly catalog: UpstreamCatalog;
}

/**
 * The merged, namespaced view over all upstreams. Rebuilt whole on every change (lists are small
 * and rebuilding keeps lookups lock-free and consistent).
 */
export class Catalog {
  readonly tools = new Map<string, CatalogEntry>();
  readonly prompts = new Map<string, CatalogEntry>();
  readonly resources = new Map<string, CatalogEntry>();
  readonly templates: TemplateEntry[] = [];
  /** Non-fatal findings, e.g. a resource URI offered twice (the first upstream in config order serves it). */
  readonly warnings: string[] = [];

  static build(listings: readonly UpstreamListing[], naming: NamingOptions): Catalog {
    const cat = new Catalog();
    const errors: string[] = [];
    for (const l of listings) {
      addNamed(cat.tools, l, l.catalog.tools, naming, 'tool', errors);
      addNamed(cat.prompts, l, l.catalog.prompts, naming, 'prompt', errors);
      for (const r of l.catalog.resources) {
        const uri = typeof r.uri === 'string' ? r.uri : undefined;
        if (!uri) continue;
        const prev = cat.resources.get(uri);
        if (prev) {
          // URIs are not namespaced (resource links in results must keep working), so a duplicate
          // cannot get its own name: the first upstream in config order keeps serving it.
          cat.warnings.push(
            `resource URI "${uri}" is offered by both upstream "${prev.upstream}" and "${l.name}"; "${prev.upstream}" serves it`,
          );
          continue;
        }
        cat.resources.set(uri, { upstream: l.name, name: uri, exposedName: uri, exposed: r, original: r });
      }
      for (const t of l.catalog.resourceTemplates) {
        const template = typeof t.uriTemplate === 'string' ? t.uriTemplate : undefined;
        if (!template) continue;
        cat.templates.push({ upstream: l.name, template, matcher: templateMatcher(template), exposed: t });
      }
    }
    if (errors.length > 0) {
      throw new GatewayError('invalid_request', `name collision after namespacing: ${errors.join('; ')}`, {
        data: { collisions: errors },
      });
    }
    return cat;
  }

  /** Route a resource URI: exact listing first, then the first template that matches. */
  routeResource(uri: string): string | undefined {
    const exact = this.resources.get(uri);
    if (exact) return exact.upstream;
    for (const t of this.templates) if (t.matcher.test(uri)) return t.upstream;
    return undefined;
  }
}

function addNamed(
  into: Map<string, CatalogEntry>,
  l: UpstreamListing,
  items: readonly JsonObject[],
  naming: NamingOptions,
  what: string,
  errors: string[],
): void {
  for (const item of items) {
    const name = typeof item.name === 'string' ? item.name : undefined;
    if (!name) continue;
    const exposedName = exposeName(l.prefix, name, naming);
    const prev = into.get(exposedName);
    if (prev) {
      errors.push(
        `${what} "${exposedName}" comes from both upstream "${prev.upstream}" (${prev.name}) and "${l.name}" (${name})`,
      );
      continue;
    }
    into.set(exposedName, {
      upstream: l.name,
      name,
      exposedName,
      exposed: { ...item, name: exposedName },
      original: item,
    });
  }
}

/** URIs longer than this never match a template: keeps matching cost bounded whatever the input. */
const MAX_TEMPLATE_URI = 8192;

type Wild = 'segment' | 'any';

/**
 * RFC 6570 templates reduced to literal pieces separated by wildcards: a simple `{x}` matches a
 * run without `/`, reserved/fragment/path/query expansions match anything. Matching finds each
 * literal at its leftmost position (which is optimal for star-only patterns), so there is no
 * backtracking: cost is O(length × pieces). No regex is built from upstream-supplied templates.
 */
export function templateMatcher(template: string): { test(uri: string): boolean } {
  const literals: string[] = [];
  const wilds: Wild[] = [];
  let current = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const close = open < 0 ? -1 : template.indexOf('}', open);
    if (open < 0 || close < 0) {
      current += template.slice(i);
      break;
    }
    current += template.slice(i, open);
    const op = template[open + 1];
    const w: Wild = op === '+' || op === '#' || op === '/' || op === '?' || op === '&' ? 'any' : 'segment';
    if (current === '' && wilds.length > 0 && literals.length === wilds.length) {
      // Adjacent expressions merge into one wildcard (the wider one wins).
      if (w === 'any') wilds[wilds.length - 1] = 'any';
    } else {
      literals.push(current);
      wilds.push(w);
    }
    current = '';
    i = close + 1;
  }
  literals.push(current);
  return { test: (uri: string) => uri.length <= MAX_TEMPLATE_URI && matchPieces(uri, literals, wilds) };
}

function matchPieces(uri: string, literals: readonly string[], wilds: readonly Wild[]): boolean {
  const first = literals[0]!;
  if (!uri.startsWith(first)) return false;
  if (wilds.length === 0) return uri.length === first.length;
  const last = literals[literals.length - 1]!;
  const end = uri.length - last.length;
  if (end < first.length || !uri.endsWith(last)) return false;
  let pos = first.length;
  for (let k = 1; k < literals.length - 1; k++) {
    const lit = literals[k]!;
    const at = uri.indexOf(lit, pos);
    if (at < 0 || at + lit.length > end) return false;
    if (wilds[k - 1] === 'segment' && uri.slice(pos, at).includes('/')) return false;
    pos = at + lit.length;
  }
  return !(wilds[wilds.length - 1] === 'segment' && uri.slice(pos, end).includes('/'));
}
