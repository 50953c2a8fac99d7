import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, writeConfig } from './support.js';

/**
 * docs/deploy.md and docs/clients.md show configuration in pieces; the complete, exercised
 * versions are under examples/central (http-central-example.test.ts). These tests keep the two
 * from drifting: the doc's config sections form a config `mcpgate validate` accepts, the client
 * blocks are the example files, and the metrics an alert rule names exist.
 */
const read = (doc: string) => readFileSync(join(REPO, 'docs', doc), 'utf8');

function blocks(markdown: string, lang: string): { text: string; before: string }[] {
  const out: { text: string; before: string }[] = [];
  const re = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    out.push({ text: m[1]!, before: markdown.slice(Math.max(0, m.index - 400), m.index) });
  }
  return out;
}

function validate(yaml: string, env: Record<string, string>) {
  const out = spawnSync(process.execPath, [CLI, 'validate', '--config', writeConfig(yaml)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { status: out.status, output: out.stdout + out.stderr };
}

describe('docs/deploy.md', () => {
  const yaml = blocks(read('deploy.md'), 'yaml').map((b) => b.text);
  const configSections = yaml.filter((t) => /^(store|audit|auth|server|upstreams):/m.test(t));
  const env = {
    DATABASE_URL: 'postgres://mcpgate@db.internal:5432/mcpgate',
    MCPGATE_AUDIT_KEY: generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    MCPGATE_API_KEY_PEPPER: 'a-deploy-doc-pepper-0123456789abcdef',
  };
  // The doc shows sections of one file, not the upstreams (those are the example's own).
  const upstream = 'upstreams:\n  docs:\n    url: https://docs.internal/mcp\n';

  it('its config sections (store, audit, auth, server) together make a config the gateway accepts', () => {
    const main = configSections.filter((t) => !t.includes('tls:'));
    expect(main.length).toBeGreaterThanOrEqual(3);
    const r = validate([...main, upstream].join('\n'), env);
    expect(r.status, r.output).toBe(0);
  });

  it('its TLS variant is valid too', () => {
    const tls = configSections.find((t) => t.includes('tls:'));
    expect(tls).toBeDefined();
    const auth = configSections.find((t) => t.startsWith('auth:'))!;
    const r = validate([tls!, auth, upstream].join('\n'), env);
    expect(r.status, r.output).toBe(0);
  });

  it('alerts only on metrics the gateway exports (as docs/http.md lists them)', () => {
    const rules = yaml.find((t) => /^groups:/m.test(t))!;
    const named = new Set(rules.match(/mcpgate_[a-z_]+/g));
    expect(named.size).toBeGreaterThan(0);
    const table = read('http.md');
    for (const name of named) expect(table, name).toContain(`| \`${name}\``);
  });
});

describe('docs/clients.md', () => {
  it('shows each central client config exactly as the tested file in examples/central/clients', () => {
    const json = blocks(read('clients.md'), 'json');
    let compared = 0;
    for (const b of json) {
      const links = [...b.before.matchAll(/\(\.\.\/(examples\/central\/clients\/[^)]+)\)/g)];
      const file = links.at(-1)?.[1];
      if (!file) continue;
      expect(JSON.parse(b.text), file).toEqual(JSON.parse(readFileSync(join(REPO, file), 'utf8')));
      compared++;
    }
    expect(compared).toBe(4); // Claude Code, Cursor, VS Code, Claude Desktop
  });
});
