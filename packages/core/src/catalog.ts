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
  readonly matcher: RegExp;
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
          errors.push(`resource URI "${uri}" is offered by both upstream "${prev.upstream}" and "${l.name}"`);
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

/**
 * RFC 6570 level-1..4 templates reduced to a matcher: each `{…}` expression matches a run of
 * characters without `/` (or anything, for reserved/fragment/path expansions). Linear-time: the
 * generated pattern has no nested quantifiers.
 */
export function templateMatcher(template: string): RegExp {
  let src = '^';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      src += escapeRe(template.slice(i));
      break;
    }
    src += escapeRe(template.slice(i, open));
    const close = template.indexOf('}', open);
    if (close < 0) {
      src += escapeRe(template.slice(open));
      break;
    }
    const op = template[open + 1];
    src += op === '+' || op === '#' || op === '/' ? '.*' : op === '?' || op === '&' ? '(?:[?&].*)?' : '[^/]*';
    i = close + 1;
  }
  return new RegExp(src + '$');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
