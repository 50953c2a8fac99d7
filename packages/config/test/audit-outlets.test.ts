import { describe, expect, it } from 'vitest';
import { DIR, loadErrors, loadOk, yaml } from './helpers.js';

describe('audit.witness and audit.sinks', () => {
  it('normalize: durations in ms, paths absolute, defaults filled, secrets resolved', async () => {
    const { config } = await loadOk(
      yaml(
        'upstreams: {}',
        'audit:',
        '  witness:',
        '    file: witness/cps.jsonl',
        '    webhook: { url: "https://w.example/cp", headers: { Authorization: "Bearer ${env:TOK}" } }',
        '    s3: { endpoint: "https://s3.example", region: eu-west-1, bucket: b, accessKeyId: k, secretAccessKey: "${env:TOK}" }',
        '  sinks:',
        '    siem-file: { type: jsonl, path: siem/audit.jsonl }',
        '    otel: { type: otlp, url: "http://collector:4318/v1/logs", timeout: 2s }',
      ),
      { env: { TOK: 's3cr3t' } },
    );
    expect(config.audit.witness).toEqual({
      file: `${DIR}/witness/cps.jsonl`,
      webhook: { url: 'https://w.example/cp', headers: { Authorization: 'Bearer s3cr3t' }, timeout: 5000 },
      s3: {
        endpoint: 'https://s3.example',
        region: 'eu-west-1',
        bucket: 'b',
        prefix: 'mcpgate/checkpoints/',
        accessKeyId: 'k',
        secretAccessKey: 's3cr3t',
        timeout: 10_000,
      },
    });
    expect(config.audit.sinks).toEqual({
      'siem-file': {
        type: 'jsonl',
        path: `${DIR}/siem/audit.jsonl`,
        maxBytes: 104857600,
        maxFiles: 10,
        timeout: 10_000,
      },
      otel: {
        type: 'otlp',
        url: 'http://collector:4318/v1/logs',
        maxBytes: 104857600,
        maxFiles: 10,
        timeout: 2000,
      },
    });
  });

  it('names what is missing or wrong, and where', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams: {}',
        'audit:',
        '  witness:',
        '    webhook: { url: "ftp://x" }',
        '  sinks:',
        '    otel: { type: otlp }',
        '    file: { type: jsonl }',
        '    Bad_Name: { type: http, url: "http://x" }',
        '    kafka: { type: kafka }',
      ),
    );
    const lines = errors.map((e) => `${e.path}: ${e.message}`);
    expect(lines.some((l) => l.startsWith('audit.witness.webhook.url:'))).toBe(true);
    expect(lines).toContain('audit.sinks.otel: missing required key "url"');
    expect(lines).toContain('audit.sinks.file: missing required key "path"');
    expect(lines.some((l) => l.startsWith('audit.sinks.Bad_Name: invalid key "Bad_Name"'))).toBe(true);
    expect(lines.some((l) => l.startsWith('audit.sinks.kafka.type:'))).toBe(true);
  });
});
