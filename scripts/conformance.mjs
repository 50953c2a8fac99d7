#!/usr/bin/env node
// Runs the official MCP conformance suite (@modelcontextprotocol/conformance) against mcpgate:
//   server  — every server scenario through `mcpgate serve`, with the suite's reference tools
//             (packages/testkit/src/servers/conformance.ts) as the single upstream, no prefix;
//   gateway — the client scenarios with the gateway as the client (the scenario's server is the
//             upstream; a driver talks to `mcpgate stdio`);
//   connect — the client scenarios, auth ones included, with `mcpgate login` + `mcpgate connect`.
// Each scenario's outcome is compared with scripts/conformance-expected.yml: a scenario that fails
// but is not listed there is a regression, one that passes but is listed is a stale entry; both
// fail the run (the suite's own --expected-failures semantics).
//
// The suite's runner needs Node 22 (it imports fs.globSync). The gateway keeps running on the Node
// that runs this script; the runner alone runs on a Node 22 taken from the `node` npm package,
// installed with the pinned suite into node_modules/.cache/mcpgate-conformance on first use.
//
// Usage: node scripts/conformance.mjs [server|gateway|connect ...] [--scenario NAME] [--verbose]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(REPO, 'packages', 'cli', 'bin', 'mcpgate.js');
const DRIVER = join(REPO, 'scripts', 'conformance-client.mjs');
const EXPECTED = join(REPO, 'scripts', 'conformance-expected.yml');
const TOOLS = join(REPO, 'node_modules', '.cache', 'mcpgate-conformance');
const PINNED = { '@modelcontextprotocol/conformance': '0.1.16', node: '22.23.3' };

/** Installs the pinned suite and Node 22 once (a plain npm install into a private prefix). */
function ensureTools() {
  const node22 = join(TOOLS, 'node_modules', 'node', 'bin', 'node');
  const runner = join(TOOLS, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  const manifest = JSON.stringify({ private: true, dependencies: PINNED }, null, 2);
  const manifestPath = join(TOOLS, 'package.json');
  const current = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '';
  if (current !== manifest || !existsSync(node22) || !existsSync(runner)) {
    mkdirSync(TOOLS, { recursive: true });
    writeFileSync(manifestPath, manifest);
    console.log(
      `installing the conformance suite ${PINNED['@modelcontextprotocol/conformance']} and node ${PINNED.node}…`,
    );
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: TOOLS,
      stdio: 'inherit',
    });
    if (npm.status !== 0) throw new Error(`npm install in ${TOOLS} failed (exit ${npm.status})`);
  }
  const version = spawnSync(node22, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (version !== `v${PINNED.node}`) throw new Error(`${node22} is ${version}, expected v${PINNED.node}`);
  return { node22, runner };
}

/** Runs the suite's CLI on Node 22; resolves with its exit code and output. */
function runSuite(tools, args, { verbose, cwd }) {
  return new Promise((resolve) => {
    const child = spawn(tools.node22, [tools.runner, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      if (verbose) process.stdout.write(output);
      resolve({ code, output });
    });
  });
}

/** `mcpgate serve` on a free loopback port with the reference server as its only upstream. */
async function startGateway(dir) {
  const reference = join(REPO, 'packages', 'testkit', 'dist', 'servers', 'conformance.js');
  const config = join(dir, 'mcpgate.yaml');
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1, port: 0 }',
      'naming: { prefix: none }',
      // The reference server's sampling scenario needs sampling, which is denied unless allowed.
      'policy: { default: allow, upstreamRequests: { sampling: allow } }',
      'logging: { level: warn }',
      `store: { dir: ${JSON.stringify(join(dir, 'data'))} }`,
      'upstreams:',
      '  reference:',
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(reference)}]`,
      '    era: legacy',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--log-level', 'info'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d) => {
      seen += d;
      const m = /listening on (http:\/\/[^\s"]+)/.exec(seen);
      if (m) {
        child.stderr.off('data', onData);
        child.stderr.resume();
        resolve(m[1]);
      }
    };
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`mcpgate serve exited (${code}):\n${seen}`)));
  });
  return {
    url: url.endsWith('/mcp') ? url : `${url.replace(/\/$/, '')}/mcp`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** Scenario names of one kind, from the suite's own list (so a new suite version adds its scenarios). */
async function listScenarios(tools, kind) {
  const { output } = await runSuite(tools, ['list', `--${kind}`], { cwd: REPO });
  return [...output.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
}

function expectedFailures() {
  // A tiny reader for the suite's baseline format (`mode:` then `  - scenario` lines).
  const lists = {};
  let mode;
  for (const line of readFileSync(EXPECTED, 'utf8').split('\n')) {
    const key = /^([a-z-]+):\s*(\[\])?\s*$/.exec(line);
    const item = /^\s+-\s+(\S+)/.exec(line);
    if (key) lists[(mode = key[1])] = [];
    else if (item && mode) lists[mode].push(item[1]);
  }
  return lists;
}

/** Runs each scenario on its own (so one hang cannot take the others with it), `parallel` at a time. */
async function runEach(scenarios, parallel, runOne) {
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < scenarios.length) {
        const scenario = scenarios[next++];
        results.push({ scenario, ...(await runOne(scenario)) });
      }
    }),
  );
  return results.sort((a, b) => a.scenario.localeCompare(b.scenario));
}

/**
 * Per-scenario outcomes of one whole-suite run, from the runner's baseline summary: `✗ name`
 * (unexpected failure), `~ name` (expected failure), `✓ name` (stale entry). A run that ended
 * without a summary failed as a whole, and then every scenario is reported with its output.
 */
function splitSuiteRun(scenarios, run) {
  const mark = (sign) =>
    new Set([...run.output.matchAll(new RegExp(`^\\s+${sign} (\\S+)`, 'gmu'))].map((m) => m[1]));
  const unexpected = mark('✗');
  const stale = mark('✓');
  const summarized = /Baseline|baseline/.test(run.output);
  const ran = new Set([...run.output.matchAll(/=== Running scenario: (\S+) ===/g)].map((m) => m[1]));
  return scenarios.map((scenario) => {
    // Exit-code semantics of a single-scenario run: 0 when the outcome matches the baseline.
    const bad = !summarized || !ran.has(scenario) || unexpected.has(scenario) || stale.has(scenario);
    return { scenario, code: bad ? 1 : 0, output: bad ? run.output : '' };
  });
}

async function main() {
  const { values, positionals } = parseArgs({
    options: { scenario: { type: 'string', multiple: true }, verbose: { type: 'boolean' } },
    allowPositionals: true,
  });
  const modes = positionals.length > 0 ? positionals : ['server', 'gateway', 'connect'];
  const tools = ensureTools();
  const expected = expectedFailures();
  const work = mkdtempSync(join(tmpdir(), 'mcpgate-conformance-'));
  // The suite writes results/ under its working directory: keep them out of the repository.
  const only = (list) => (values.scenario ? list.filter((s) => values.scenario.includes(s)) : list);
  const report = [];
  try {
    for (const mode of modes) {
      const baselineFile = join(work, `${mode}-expected.yml`);
      const kind = mode === 'server' ? 'server' : 'client';
      const listed = expected[mode] ?? [];
      writeFileSync(
        baselineFile,
        `${kind}: ${listed.length === 0 ? '[]' : `\n${listed.map((s) => `  - ${s}`).join('\n')}`}\n`,
      );
      // The auth scenarios measure a person's `login` + `connect`; in the gateway mode only the
      // client-credentials ones apply: the gateway's service identity (`oauth.grant:
      // client_credentials`, secret or private_key_jwt) toward the scenario's server.
      const all = await listScenarios(tools, kind);
      const scenarios = only(
        mode === 'gateway'
          ? all.filter((s) => !s.startsWith('auth/') || s.startsWith('auth/client-credentials-'))
          : all,
      );
      let results;
      if (mode === 'server') {
        const gateway = await startGateway(mkdtempSync(join(work, 'gw-')));
        try {
          // One runner for the whole server suite (one Node 22 start instead of one per scenario);
          // a --scenario filter runs those one by one.
          results = values.scenario
            ? await runEach(scenarios, 2, (scenario) =>
                runSuite(
                  tools,
                  [
                    'server',
                    '--url',
                    gateway.url,
                    '--scenario',
                    scenario,
                    '--expected-failures',
                    baselineFile,
                  ],
                  { verbose: values.verbose, cwd: work },
                ),
              )
            : splitSuiteRun(
                scenarios,
                await runSuite(
                  tools,
                  ['server', '--url', gateway.url, '--suite', 'all', '--expected-failures', baselineFile],
                  {
                    verbose: values.verbose,
                    cwd: work,
                  },
                ),
              );
        } finally {
          await gateway.stop();
        }
      } else {
        const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(DRIVER)} ${mode}`;
        results = await runEach(scenarios, 2, (scenario) =>
          runSuite(
            tools,
            ['client', '--command', command, '--scenario', scenario, '--expected-failures', baselineFile],
            { verbose: values.verbose, cwd: work },
          ),
        );
      }
      for (const r of results) {
        const listed = (expected[mode] ?? []).includes(r.scenario);
        const verdict =
          r.code === 0 ? (listed ? 'expected failure' : 'pass') : listed ? 'STALE: now passes' : 'REGRESSION';
        report.push({ mode, scenario: r.scenario, verdict, output: r.output });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const bad = report.filter((r) => r.verdict === 'REGRESSION' || r.verdict.startsWith('STALE'));
  for (const r of bad) console.log(`\n--- ${r.mode} ${r.scenario}: ${r.verdict}\n${r.output.trim()}`);
  console.log('');
  for (const mode of modes) {
    const rows = report.filter((r) => r.mode === mode);
    const passed = rows.filter((r) => r.verdict === 'pass' || r.verdict.startsWith('STALE')).length;
    console.log(`${mode}: ${passed}/${rows.length} scenarios pass`);
    for (const r of rows) console.log(`  ${r.verdict.padEnd(18)} ${r.scenario}`);
  }
  if (bad.length > 0) {
    console.log(
      `\n${bad.length} scenario(s) differ from scripts/conformance-expected.yml: fix the regression,` +
        ' or remove a stale entry for a scenario that now passes.',
    );
    process.exitCode = 1;
  }
}

await main();
