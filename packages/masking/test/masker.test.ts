import { describe, expect, it } from 'vitest';
import { Masker } from '../src/masker.js';

const T = { upstream: 'crm', kind: 'tool', name: 'get_customer' } as const;
const EMAIL = 'jane.doe@example.com';
const CARD = '4242 4242 4242 4242';
const IMAGE = {
  type: 'image',
  data: Buffer.from(`${EMAIL} ${CARD}`).toString('base64'),
  mimeType: 'image/png',
};

describe('Masker on MCP results', () => {
  const masker = new Masker({});

  it('tools/call: text, structuredContent, embedded resource text; image untouched', () => {
    const result = {
      content: [
        { type: 'text', text: `customer ${EMAIL} paid with ${CARD}` },
        IMAGE,
        {
          type: 'resource',
          resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: `ssn 123-45-6789` },
        },
        { type: 'resource', resource: { uri: 'file:///b.bin', blob: Buffer.from(EMAIL).toString('base64') } },
      ],
      structuredContent: { users: [{ id: 1 }, { id: 2 }, { email: EMAIL, name: 'Jane' }] },
      isError: false,
    };
    const { value, events, changed } = masker.maskResult('tools/call', result, T);
    expect(changed).toBe(true);
    const v = value as typeof result;
    expect(v.content[0]).toEqual({
      type: 'text',
      text: 'customer [REDACTED:email] paid with [REDACTED:card]',
    });
    expect(v.content[1]).toBe(IMAGE);
    expect((v.content[2] as { resource: { text: string } }).resource.text).toBe('ssn [REDACTED:ssn]');
    expect(v.content[3]).toBe(result.content[3]);
    expect(v.structuredContent.users[2]).toEqual({ email: '[REDACTED:email]', name: 'Jane' });
    expect(v.isError).toBe(false);
    expect(events).toEqual([
      { detector: 'email', path: 'content[0].text', start: 9, end: 29, count: 1, strategy: 'redact' },
      { detector: 'card', path: 'content[0].text', start: 40, end: 59, count: 1, strategy: 'redact' },
      { detector: 'ssn', path: 'content[2].resource.text', start: 4, end: 15, count: 1, strategy: 'redact' },
      {
        detector: 'email',
        path: 'structuredContent.users[2].email',
        start: 0,
        end: 20,
        count: 1,
        strategy: 'redact',
      },
    ]);
    // The raw value appears in no event.
    const all = JSON.stringify(events);
    for (const raw of [EMAIL, CARD, '123-45-6789', 'jane']) expect(all).not.toContain(raw);
    // The input was not modified in place.
    expect((result.content[0] as { text: string }).text).toContain(EMAIL);
  });

  it('text that is JSON is masked structurally and re-serialised in the same style', () => {
    const doc = { users: [{ email: EMAIL, password: 'hunter2', note: `call +14155550132` }] };
    const compact = masker.maskResult(
      'tools/call',
      { content: [{ type: 'text', text: JSON.stringify(doc) }] },
      T,
    );
    const pretty = masker.maskResult(
      'tools/call',
      { content: [{ type: 'text', text: JSON.stringify(doc, null, 2) }] },
      T,
    );
    const text = (compact.value.content as { text: string }[])[0]!.text;
    expect(JSON.parse(text)).toEqual({
      users: [
        { email: '[REDACTED:email]', password: '[REDACTED:key:password]', note: 'call [REDACTED:phone]' },
      ],
    });
    expect(text).not.toContain('\n');
    expect((pretty.value.content as { text: string }[])[0]!.text).toContain('\n  "users"');
    expect(compact.events.map((e) => e.path)).toEqual([
      'content[0].text:$.users[0].email',
      'content[0].text:$.users[0].password',
      'content[0].text:$.users[0].note',
    ]);
  });

  it('keeps a "__proto__" key of JSON text as a key when its value is masked (never a prototype)', () => {
    const text = `{"__proto__": {"email": "${EMAIL}"}, "password": "hunter2"}`;
    const r = masker.maskResult('tools/call', { content: [{ type: 'text', text }] }, T);
    const out = (r.value.content as { text: string }[])[0]!.text;
    expect(out).toBe('{"__proto__":{"email":"[REDACTED:email]"},"password":"[REDACTED:key:password]"}');
    const whole = new Masker({ fields: [{ path: '$.*', strategy: 'redact' }] });
    const w = whole.maskResult('tools/call', { structuredContent: JSON.parse('{"__proto__": {"a": 1}}') }, T);
    expect(JSON.stringify(w.value.structuredContent)).toBe('{"__proto__":{"a":"[REDACTED:field:$.*]"}}');
  });

  it('JSON text with numbers a double cannot hold is scanned as text, never re-serialised', () => {
    const text = `{"id": 12345678901234567890, "email": "${EMAIL}"}`;
    const r = masker.maskResult('tools/call', { content: [{ type: 'text', text }] }, T);
    expect((r.value.content as { text: string }[])[0]!.text).toBe(
      '{"id": 12345678901234567890, "email": "[REDACTED:email]"}',
    );
  });

  it('a card stored as a JSON number is masked (the number becomes the replacement string)', () => {
    const text = '{"order": 1700000000000, "pan": 4242424242424242}';
    const r = masker.maskResult('tools/call', { content: [{ type: 'text', text }] }, T);
    expect(JSON.parse((r.value.content as { text: string }[])[0]!.text)).toEqual({
      order: 1700000000000,
      pan: '[REDACTED:card]',
    });
    expect(r.events[0]).toMatchObject({ detector: 'card', path: 'content[0].text:$.pan', start: 0, end: 16 });
  });

  it('resources/read masks text contents and leaves blobs', () => {
    const blob = { uri: 'file:///x.png', blob: 'aGVsbG8=' };
    const r = masker.maskResult(
      'resources/read',
      { contents: [{ uri: 'file:///x', text: `k=${EMAIL}` }, blob] },
      {
        upstream: 'fs',
        kind: 'resource',
        uri: 'file:///x',
      },
    );
    expect(r.value.contents).toEqual([{ uri: 'file:///x', text: 'k=[REDACTED:email]' }, blob]);
    expect(r.events[0]!.path).toBe('contents[0].text');
  });

  it('prompts/get masks message text content', () => {
    const r = masker.maskResult(
      'prompts/get',
      {
        description: 'x',
        messages: [
          { role: 'user', content: { type: 'text', text: `mail ${EMAIL}` } },
          { role: 'user', content: IMAGE },
        ],
      },
      { upstream: 'p', kind: 'prompt', name: 'greet' },
    );
    expect(r.value.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'mail [REDACTED:email]' } },
      { role: 'user', content: IMAGE },
    ]);
    expect(r.events[0]!.path).toBe('messages[0].content.text');
  });

  it('other methods and clean results come back as the same object', () => {
    const list = { tools: [{ name: 'x', description: EMAIL }] };
    expect(masker.maskResult('tools/list', list, T).value).toBe(list);
    const clean = { content: [{ type: 'text', text: 'nothing here, version 1.2.3' }] };
    const r = masker.maskResult('tools/call', clean, T);
    expect(r.value).toBe(clean);
    expect(r.changed).toBe(false);
    expect(r.events).toEqual([]);
  });
});

describe('field rules, key rules, strategies', () => {
  it('JSON path field rules and key-name rules replace whole values', () => {
    const masker = new Masker({
      fields: [{ path: '$.users[*].name', id: 'name', strategy: 'partial' }, { path: '$..internal_id' }],
      keys: { names: ['password', 'apiKey', 'ssn'] },
    });
    const r = masker.maskResult(
      'tools/call',
      {
        content: [],
        structuredContent: {
          users: [{ name: 'Margaret', Password: 'x', api_key: 'k123', nested: { internal_id: 42 } }],
          ssn: { number: '123456789', issued: 1990 },
          nextPageToken: 'abc',
        },
      },
      T,
    );
    expect(r.value.structuredContent).toEqual({
      users: [
        {
          name: '•••• et',
          Password: '[REDACTED:key:password]',
          api_key: '[REDACTED:key:apikey]',
          nested: { internal_id: '[REDACTED:field:$..internal_id]' },
        },
      ],
      ssn: { number: '[REDACTED:key:ssn]', issued: '[REDACTED:key:ssn]' },
      nextPageToken: 'abc',
    });
  });

  it('hash strategy correlates equal values without revealing them', () => {
    const masker = new Masker({ strategy: 'hash', hashKey: 'a-test-key-of-some-length' });
    const r = masker.maskResult(
      'tools/call',
      { content: [{ type: 'text', text: `${EMAIL} wrote to bob@example.com and ${EMAIL}` }] },
      T,
    );
    const text = (r.value.content as { text: string }[])[0]!.text;
    const hashes = text.match(/\[HASH:email:[0-9a-f]{16}\]/g)!;
    expect(hashes).toHaveLength(3);
    expect(hashes[0]).toBe(hashes[2]);
    expect(hashes[0]).not.toBe(hashes[1]);
    expect(r.events.every((e) => e.strategy === 'hash')).toBe(true);
  });

  it('per-detector strategy and disabling a detector', () => {
    const masker = new Masker({ detectors: { card: { strategy: 'partial' }, email: { enabled: false } } });
    const r = masker.maskResult('tools/call', { content: [{ type: 'text', text: `${EMAIL} ${CARD}` }] }, T);
    expect((r.value.content as { text: string }[])[0]!.text).toBe(`${EMAIL} •••• 4242`);
  });

  it('custom patterns from config', () => {
    const masker = new Masker({ patterns: [{ id: 'employee_id', regex: 'EMP-[0-9]{6}' }] });
    const r = masker.maskResult('tools/call', { content: [{ type: 'text', text: 'by EMP-004211' }] }, T);
    expect((r.value.content as { text: string }[])[0]!.text).toBe('by [REDACTED:employee_id]');
    expect(() => new Masker({ patterns: [{ id: 'bad', regex: '(a+)+' }] })).toThrow(/rejected/);
  });

  it('rejects unknown detector ids, bad paths, hash without key, seal without key at construction', () => {
    expect(() => new Masker({ detectors: { nope: { enabled: false } } })).toThrow(/unknown detector/);
    expect(() => new Masker({ fields: [{ path: 'users' }] })).toThrow(/JSON path/);
    expect(() => new Masker({ detectors: { email: { strategy: 'hash' } } })).toThrow(/hashKey/);
    expect(() => new Masker({ seal: { enabled: true } })).toThrow(/publicKey/);
  });

  it('summarises many matches in one string into one event per detector', () => {
    const text = Array.from({ length: 50 }, (_, i) => `u${i}@example.com`).join(' ');
    const r = new Masker({}).maskResult('tools/call', { content: [{ type: 'text', text }] }, T);
    expect(r.events).toEqual([
      {
        detector: 'email',
        path: 'content[0].text',
        start: 0,
        end: text.length,
        count: 50,
        strategy: 'redact',
      },
    ]);
  });
});

describe('per upstream / tool rules and group exceptions', () => {
  const masker = new Masker({
    rules: [
      { upstream: 'payments', enabled: false },
      { upstream: 'crm', tools: ['export_*'], detectors: { email: { strategy: 'partial' } } },
      { upstream: 'crm', tools: ['audit_*'], arguments: true },
    ],
    exceptions: [{ id: 'oncall-raw', groups: ['oncall'], upstreams: ['crm'], tools: ['get_*'] }],
  });

  it('a rule can turn masking off for an upstream', () => {
    expect(masker.enabledFor({ upstream: 'payments', kind: 'tool', name: 'x' })).toBe(false);
    const r = masker.maskResult(
      'tools/call',
      { content: [{ type: 'text', text: EMAIL }] },
      { upstream: 'payments' },
    );
    expect(r.changed).toBe(false);
  });

  it('tool globs pick the rule', () => {
    const text = (name: string) =>
      (
        masker.maskResult('tools/call', { content: [{ type: 'text', text: EMAIL }] }, { ...T, name }).value
          .content as { text: string }[]
      )[0]!.text;
    expect(text('export_all')).toBe('j***@example.com');
    expect(text('get_customer')).toBe('[REDACTED:email]');
  });

  it('exceptions apply by group, upstream and tool', () => {
    expect(masker.exceptionFor({ groups: ['dev', 'oncall'] }, T)).toEqual({
      rule: 'oncall-raw',
      group: 'oncall',
    });
    expect(masker.exceptionFor({ groups: ['dev'] }, T)).toBeUndefined();
    expect(masker.exceptionFor({ groups: ['oncall'] }, { ...T, name: 'export_all' })).toBeUndefined();
    expect(
      masker.exceptionFor({ groups: ['oncall'] }, { upstream: 'other', kind: 'tool', name: 'get_x' }),
    ).toBeUndefined();
  });

  it('argument masking (audit copy) only where enabled', () => {
    const args = { email: EMAIL, password: 'pw' };
    expect(masker.maskArguments(args, T).changed).toBe(false);
    const r = masker.maskArguments(args, { ...T, name: 'audit_lookup' });
    expect(r.value).toEqual({ email: '[REDACTED:email]', password: '[REDACTED:key:password]' });
    expect(r.events.map((e) => e.path)).toEqual(['params.arguments.email', 'params.arguments.password']);
    expect(args.email).toBe(EMAIL);
  });
});
