import { describe, expect, it } from 'vitest';
import { Catalog, EMPTY_CATALOG, templateMatcher, type UpstreamListing } from '../src/catalog.js';
import { DEFAULT_NAMING } from '../src/naming.js';
import { resolveTarget } from '../src/router.js';

const listing = (
  name: string,
  prefix: string,
  tools: string[],
  extra: Partial<UpstreamListing['catalog']> = {},
): UpstreamListing => ({
  name,
  prefix,
  catalog: {
    ...EMPTY_CATALOG,
    tools: tools.map((t) => ({ name: t, inputSchema: { type: 'object' } })),
    ...extra,
  },
});

describe('Catalog', () => {
  it('namespaces tools as <prefix>__<name> and keeps the original for routing', () => {
    const cat = Catalog.build(
      [listing('everything', 'ev', ['echo']), listing('memory', 'memory', ['echo'])],
      DEFAULT_NAMING,
    );
    expect([...cat.tools.keys()].sort()).toEqual(['ev__echo', 'memory__echo']);
    const t = resolveTarget(cat, 'tools/call', { name: 'ev__echo' }, 'c_1');
    expect(t).toMatchObject({ kind: 'tool', upstream: 'everything', name: 'echo', exposedName: 'ev__echo' });
    expect(cat.tools.get('ev__echo')!.exposed.name).toBe('ev__echo');
    expect(cat.tools.get('ev__echo')!.original.name).toBe('echo');
  });

  it('supports a custom separator and the no-prefix mode', () => {
    const cat = Catalog.build([listing('a', 'a', ['x'])], { separator: '.', noPrefix: false });
    expect([...cat.tools.keys()]).toEqual(['a.x']);
    const bare = Catalog.build([listing('a', 'a', ['x'])], { separator: '__', noPrefix: true });
    expect([...bare.tools.keys()]).toEqual(['x']);
  });

  it('a collision after namespacing is an error naming both upstreams', () => {
    expect(() =>
      Catalog.build([listing('a', 'p', ['x__y']), listing('b', 'p__x', ['y'])], DEFAULT_NAMING),
    ).toThrow(/"p__x__y" comes from both upstream "a" \(x__y\) and "b" \(y\)/);
  });

  it('a resource URI offered twice is served by the first upstream, with a warning', () => {
    const res = { resources: [{ uri: 'demo://a', name: 'a' }] };
    const cat = Catalog.build(
      [listing('one', 'one', [], res), listing('two', 'two', [], res)],
      DEFAULT_NAMING,
    );
    expect(cat.routeResource('demo://a')).toBe('one');
    expect(cat.resources.size).toBe(1);
    expect(cat.warnings).toEqual([
      'resource URI "demo://a" is offered by both upstream "one" and "two"; "one" serves it',
    ]);
  });

  it('routes resources by exact URI, then by template', () => {
    const cat = Catalog.build(
      [
        listing('fs', 'fs', [], { resources: [{ uri: 'file:///a.txt', name: 'a' }] }),
        listing('ev', 'ev', [], { resourceTemplates: [{ uriTemplate: 'demo://resource/{id}', name: 't' }] }),
      ],
      DEFAULT_NAMING,
    );
    expect(cat.routeResource('file:///a.txt')).toBe('fs');
    expect(cat.routeResource('demo://resource/42')).toBe('ev');
    expect(cat.routeResource('demo://other/42')).toBeUndefined();
    expect(() => resolveTarget(cat, 'resources/read', { uri: 'nope://x' }, 'c_2')).toThrow(
      /no upstream serves resource/,
    );
  });

  it('unknown tools and bad params are refused with precise errors', () => {
    const cat = Catalog.build([listing('a', 'a', ['x'])], DEFAULT_NAMING);
    expect(() => resolveTarget(cat, 'tools/call', { name: 'a__nope' }, 'c')).toThrow(
      'unknown tool "a__nope"',
    );
    expect(() => resolveTarget(cat, 'tools/call', {}, 'c')).toThrow(/needs a non-empty string "name"/);
    expect(() => resolveTarget(cat, 'foo/bar', {}, 'c')).toThrow(/not supported/);
  });
});

describe('templateMatcher', () => {
  it('matches simple, reserved and query expansions in linear time', () => {
    expect(templateMatcher('a://{x}/b').test('a://1/b')).toBe(true);
    expect(templateMatcher('a://{x}/b').test('a://1/2/b')).toBe(false);
    expect(templateMatcher('a://{+path}').test('a://1/2/3')).toBe(true);
    expect(templateMatcher('a://x{?q,r}').test('a://x?q=1&r=2')).toBe(true);
    const t0 = performance.now();
    templateMatcher('a://{x}{y}{z}-{w}/end').test('a://' + 'x-'.repeat(1000));
    templateMatcher('a://{x}-{y}-{z}/end').test('a://' + '-'.repeat(2000));
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
