import { describe, expect, it } from 'vitest';
import { specTypeSchemas } from '@modelcontextprotocol/server';
import { MCP_METHODS, RELAYED_METHODS } from '@mcpgate/core';

/** Every method name the SDK's spec schemas declare (requests and notifications). */
function sdkMethods(): string[] {
  const out = new Set<string>();
  for (const [name, schema] of Object.entries(specTypeSchemas as Record<string, unknown>)) {
    if (!/(Request|Notification)$/.test(name)) continue;
    const shape = (
      schema as { shape?: { method?: { value?: unknown; _zod?: { def?: { values?: unknown[] } } } } }
    ).shape;
    const values = shape?.method?._zod?.def?.values ?? (shape?.method?.value ? [shape.method.value] : []);
    for (const v of values) if (typeof v === 'string') out.add(v);
  }
  return [...out].sort();
}

describe("core's MCP method table", () => {
  it('holds every method the SDK knows — relayed, answered by the face, or refused on purpose', () => {
    const known = sdkMethods();
    expect(known.length).toBeGreaterThan(30);
    const table = new Set(MCP_METHODS.map((m) => m.method));
    expect(known.filter((m) => !table.has(m))).toEqual([]);
    expect([...table].filter((m) => !known.includes(m))).toEqual([]);
  });

  it('says why for each refusal, and names an answerer for each relayed request', () => {
    for (const m of MCP_METHODS) {
      if (m.refused !== undefined) expect(m.refused.length, m.method).toBeGreaterThan(10);
      else if (m.kind === 'request') expect(m.answeredBy, m.method).toBeDefined();
    }
  });

  it('the faces relay exactly the client requests the chain handles', () => {
    expect([...RELAYED_METHODS].sort()).toEqual([
      'completion/complete',
      'logging/setLevel',
      'prompts/get',
      'prompts/list',
      'resources/list',
      'resources/read',
      'resources/subscribe',
      'resources/templates/list',
      'resources/unsubscribe',
      'tools/call',
      'tools/list',
    ]);
  });
});
