import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from './support.js';

/**
 * The official MCP conformance suite against mcpgate (scripts/conformance.mjs): server scenarios
 * through `mcpgate serve`, client scenarios with the gateway and with `mcpgate login`/`connect` as
 * the client. The script fails on any scenario whose outcome differs from
 * scripts/conformance-expected.yml (a regression, or a fixed scenario still listed as failing).
 */
it('passes the MCP conformance suite as recorded in scripts/conformance-expected.yml', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'conformance.mjs')], { cwd: REPO });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.on('close', (c) => resolve({ code: c, output }));
  });
  // Each mode reports its count; a run that measured nothing cannot pass.
  for (const mode of ['server', 'gateway', 'connect'])
    expect(output).toMatch(new RegExp(`^${mode}: \\d+/\\d+ scenarios pass`, 'm'));
  expect(output).not.toMatch(/^server: 0\//m);
  expect(code, output).toBe(0);
}, 900_000);
