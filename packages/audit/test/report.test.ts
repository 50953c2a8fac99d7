import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateAuditMonth, type MonthTruth } from '@mcpgate/testkit';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { purgeAudit } from '../src/read/purge.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { buildReport, reportRows, type ReportData } from '../src/report/build.js';
import { streamHeldCalls } from '../src/report/held-calls.js';
import { verifyReportPack, writeReportPack } from '../src/report/pack.js';
import type { Store } from '../src/store/types.js';
import { PG_URL, pgSchema, type PgSchema } from './helpers.js';

/**
 * A simulated month (100k+ records) written through the real recorder on real Postgres; the
 * report's figures must equal what the generator wrote and what independent SQL (written here,
 * not the report's queries) counts over the same rows. MCPGATE_UPDATE_DOCS=1 also writes the
 * sample pack and its screenshots into docs/assessor/.
 */
const START = new Date('2026-10-01T00:00:00Z');
const END = new Date('2026-10-31T00:00:00Z');
const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs', 'assessor');

describe('audit report over a simulated month', () => {
  let s: PgSchema;
  let store: Store;
  let truth: MonthTruth;
  let data: ReportData;
  let dir: string;
  const { key, pem } = generateSigningKey();
  const p = [START.toISOString(), END.toISOString()];

  const one = async (text: string, params: unknown[] = p): Promise<number> => {
    const r = await store.query<{ n: number | string }>(text, params);
    return Number(r.rows[0]?.n ?? 0);
  };
  const figure = (query: string, col: string, row = 0): unknown => reportRows(data, query)[row]?.[col];

  beforeAll(async () => {
    s = await pgSchema('report');
    store = await s.open();
    await migrate(store);
    // An older writer whose records are purged: the report must show its tombstone.
    const old = await AuditRecorder.start(store, { replicaId: 'gw-old', signingKey: key });
    await old.append({ type: 'writer.note', body: { note: 'before retention' } });
    await old.close();
    const rec = await AuditRecorder.start(store, {
      replicaId: 'gw-1',
      signingKey: key,
      checkpointIntervalMs: 3_600_000,
    });
    truth = await simulateAuditMonth({ recorder: rec, sql: store, start: START, days: 30 });
    await rec.checkpoint();
    await purgeAudit(store, rec, { before: new Date(Date.now() + 60_000), by: 'os:admin' });
    await rec.close();
    data = await buildReport(store, { from: START, to: END, retention: '400d', store: 'postgres' });
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-report-'));
  }, 240_000);

  afterAll(async () => {
    await store?.close();
    await s?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('covers 100k+ records and the chain of the period verifies', async () => {
    expect(truth.records).toBeGreaterThanOrEqual(100_000);
    // Every kind of evidence is present, so no comparison below is vacuous.
    for (const k of [
      'upstreamFailures',
      'storeRefused',
      'rateLimited',
      'sealed',
      'outcomeUnknown',
      'hijackAttempts',
      'approvalsExecuted',
      'approvalsDenied',
      'unseals',
    ] as const)
      expect(truth[k], k).toBeGreaterThan(0);
    const inPeriod = await one('SELECT count(*) AS n FROM events WHERE ts >= $1 AND ts < $2');
    expect(inPeriod).toBe(truth.records);
    expect(figure('totals', 'records')).toBe(inPeriod);
    expect(data.verification.ok).toBe(true);
    expect(data.verification.records).toBeGreaterThanOrEqual(truth.records);
    expect(data.verification.publicKeys).toEqual([key.publicKey]);
  });

  it('overview and access (CC6): sessions, identities, denials by rule, keys, grants', async () => {
    expect(figure('totals', 'sessions')).toBe(truth.sessions);
    expect(figure('totals', 'forwarded_calls')).toBe(truth.forwarded);
    const subjects = await one(
      `SELECT count(*) AS n FROM (SELECT subject FROM events WHERE ts >= $1 AND ts < $2
         AND type IN ('session.started', 'call.request', 'call.refused') GROUP BY subject) x`,
    );
    expect(figure('totals', 'identities')).toBe(subjects);
    expect(reportRows(data, 'identities')).toHaveLength(subjects);

    const denials = Object.fromEntries(
      reportRows(data, 'denials_by_rule').map((r) => [r.rule as string, r.denials as number]),
    );
    expect(denials).toEqual(truth.denials);
    const bySql = await store.query<{ rule: string; n: number }>(
      `SELECT (body::json -> 'request' -> 'decision' ->> 'rule') AS rule, count(*)::int AS n FROM events
       WHERE outcome = 'policy_denied' AND ts BETWEEN $1 AND $2 GROUP BY 1`,
      p,
    );
    expect(Object.fromEntries(bySql.rows.map((r) => [r.rule, r.n]))).toEqual(truth.denials);

    expect(figure('api_key_totals', 'created_in_period')).toBe(truth.keysCreated);
    expect(figure('api_key_totals', 'revoked_in_period')).toBe(truth.keysRevoked);
    expect(reportRows(data, 'grants')).toHaveLength(truth.grantsRequested);
    expect(reportRows(data, 'grants').every((g) => g.decided_by === 'oidc:carol')).toBe(true);
  });

  it('security events: auth failures (aggregated rows count as their count) and hijack attempts', async () => {
    const attempts = reportRows(data, 'auth_failures').reduce((n, r) => n + (r.attempts as number), 0);
    const records = reportRows(data, 'auth_failures').reduce((n, r) => n + (r.records as number), 0);
    expect(attempts).toBe(truth.authFailureAttempts);
    expect(records).toBe(truth.authFailureRecords);
    // Independently: one per plain row plus the count of each aggregated row.
    const plain = await one(
      `SELECT count(*) AS n FROM events WHERE type = 'security.auth_failed' AND ts >= $1 AND ts < $2
         AND body NOT LIKE '%"count":%'`,
    );
    const aggregated = await one(
      `SELECT sum((regexp_match(body, '"count":(\\d+)'))[1]::int) AS n FROM events
       WHERE type = 'security.auth_failed' AND ts >= $1 AND ts < $2 AND body LIKE '%"count":%'`,
    );
    expect(plain + aggregated).toBe(truth.authFailureAttempts);
    expect(reportRows(data, 'auth_failure_sources')[0]?.source_ip).toBe('203.0.113.7');
    expect(reportRows(data, 'hijack_attempts')).toHaveLength(truth.hijackAttempts);
    const perDay = reportRows(data, 'security_per_day');
    expect(perDay.reduce((n, r) => n + Number(r.auth_failures ?? 0), 0)).toBe(truth.authFailureAttempts);
    expect(perDay.reduce((n, r) => n + Number(r.hijack_attempts ?? 0), 0)).toBe(truth.hijackAttempts);
  });

  it('change management (CC8): the policy change and the pin change with its approver', async () => {
    const versions = reportRows(data, 'policy_versions');
    expect(versions.map((v) => v.policy_version)).toEqual(truth.policyVersions);
    const v2 = await one(
      `SELECT count(*) AS n FROM events WHERE ts >= $1 AND ts < $2 AND type LIKE 'call.re%'
         AND type <> 'call.response' AND body LIKE '%"policyVersion":"p-7b40e3"%'`,
    );
    expect(versions[1]?.decisions).toBe(v2);
    const pins = reportRows(data, 'pin_changes');
    expect(pins).toHaveLength(truth.pinChanges);
    expect(pins[0]).toMatchObject({
      change: 'pin.changed',
      upstream: 'github',
      tool: 'create_issue',
      approved_by: 'oidc:carol',
    });
  });

  it('monitoring (CC7): outages, store refusals, rate limits, the outlier', () => {
    const outages = reportRows(data, 'upstream_outages');
    expect(outages.every((o) => o.upstream === 'github')).toBe(true);
    expect(outages.reduce((n, o) => n + (o.failed_calls as number), 0)).toBe(truth.upstreamFailures);
    const refused = reportRows(data, 'store_outages');
    expect(refused).toHaveLength(1);
    expect(refused.reduce((n, o) => n + (o.calls_refused as number), 0)).toBe(truth.storeRefused);
    expect(reportRows(data, 'rate_limits')).toEqual([
      expect.objectContaining({ subject: 'key:reporting', hits: truth.rateLimited }),
    ]);
    const identities = reportRows(data, 'calls_per_identity');
    expect(identities[0]).toMatchObject({ subject: truth.heavyUser, outlier: true });
    expect(identities.filter((r) => r.outlier === true).map((r) => r.subject)).toEqual([truth.heavyUser]);
  });

  it('processing integrity: write-ahead coverage, outcome unknown, checkpoint coverage', async () => {
    const responses = await one(
      `SELECT count(*) AS n FROM events WHERE type = 'call.response' AND ts >= $1 AND ts < $2`,
    );
    expect(figure('write_ahead', 'forwarded_calls_answered')).toBe(responses);
    expect(figure('write_ahead', 'without_request_record')).toBe(0);
    expect(figure('outcome_unknown', 'marked_outcome_unknown')).toBe(truth.outcomeUnknown);
    expect(figure('outcome_unknown', 'open_requests')).toBe(0);
    const coverage = reportRows(data, 'checkpoint_coverage');
    expect(coverage).toHaveLength(1);
    expect(coverage[0]!.signed).toBe(coverage[0]!.records);
    expect(reportRows(data, 'signer_keys').map((r) => r.public_key)).toEqual([key.publicKey]);
  });

  it('confidentiality: masking by detector and upstream, sealed copies, who unsealed', async () => {
    const masked = Object.fromEntries(
      reportRows(data, 'masking').map((r) => [
        `${String(r.detector)}|${String(r.upstream)}`,
        r.values_masked,
      ]),
    );
    expect(masked).toEqual(truth.maskedValues);
    expect(figure('sealed', 'sealed_results')).toBe(truth.sealed);
    const sealed = await one(
      `SELECT count(*) AS n FROM events WHERE type = 'call.response' AND ts >= $1 AND ts < $2 AND body LIKE '%"sealed":{%'`,
    );
    expect(sealed).toBe(truth.sealed);
    expect(reportRows(data, 'unsealed')).toEqual([
      expect.objectContaining({ subject: 'os:security-officer', record: 'c_00000042' }),
    ]);
  });

  it('approvals: every held call with requester, reviewer, decision time, executed as approved', async () => {
    expect(figure('approval_totals', 'held_calls')).toBe(truth.approvalsRequested);
    expect(figure('approval_totals', 'executed')).toBe(truth.approvalsExecuted);
    const held = reportRows(data, 'held_calls');
    expect(held).toHaveLength(Math.min(1000, truth.approvalsRequested));
    const executed = held.filter((h) => h.executed_at !== null);
    expect(executed.every((h) => h.executed_as_approved === true)).toBe(true);
    expect(held.every((h) => typeof h.decisions === 'string' && h.decided_at !== null)).toBe(true);
    // held-calls.csv pages through every one (a small page here, so paging is exercised).
    let csv = '';
    const n = await streamHeldCalls(
      store,
      { from: START, to: END },
      (c) => Promise.resolve(void (csv += c)),
      37,
    );
    expect(n).toBe(truth.approvalsRequested);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(truth.approvalsRequested + 1);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(held.map((h) => h.approval_id));
    // The approvals table agrees with the trail.
    const table = await one(
      `SELECT count(*) AS n FROM mcpgate_approvals WHERE status = 'executed' AND created_at >= $1 AND created_at < $2`,
    );
    expect(table).toBe(truth.approvalsExecuted);
  });

  it('the trail itself: readers, retention, purge tombstones', () => {
    expect(reportRows(data, 'readers').reduce((n, r) => n + (r.reads as number), 0)).toBe(truth.auditReads);
    expect(figure('retention', 'purges_ever')).toBe(1);
    expect(reportRows(data, 'purges')).toEqual([
      expect.objectContaining({ chain_id: 'gw-old:1', purged_by: 'os:admin' }),
    ]);
    expect(data.retention).toBe('400d');
  });

  it('the pack verifies offline, and any edit of any file fails naming the file', async () => {
    const pack = join(dir, 'pack');
    await writeReportPack(pack, data, key, [
      { name: 'held-calls.csv', write: (w) => streamHeldCalls(store, { from: START, to: END }, w) },
    ]);
    const good = await verifyReportPack(pack, { trustedKeys: [key.publicKey] });
    expect(good.problems).toEqual([]);
    expect(good.ok).toBe(true);
    const html = readFileSync(join(pack, 'index.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    for (const file of ['index.html', 'report.json', 'held-calls.csv', 'manifest.json', 'manifest.sig']) {
      const copy = join(dir, `edit-${file}`);
      cpSync(pack, copy, { recursive: true });
      const text = readFileSync(join(copy, file), 'utf8');
      // One character changed, in the middle of the file.
      const at = Math.floor(text.length / 2);
      const swapped = text[at] === '7' ? '8' : '7';
      writeFileSync(join(copy, file), text.slice(0, at) + swapped + text.slice(at + 1));
      const r = await verifyReportPack(copy);
      expect(r.ok, file).toBe(false);
      expect(r.problems.map((x) => x.file)).toContain(file === 'manifest.sig' ? 'manifest.json' : file);
    }
    const added = join(dir, 'added');
    cpSync(pack, added, { recursive: true });
    appendFileSync(join(added, 'notes.txt'), 'an extra file');
    expect((await verifyReportPack(added)).problems).toEqual([
      { file: 'notes.txt', detail: 'not in the manifest (added after signing)' },
    ]);
    const other = generateSigningKey().key;
    expect((await verifyReportPack(pack, { trustedKeys: [other.publicKey] })).ok).toBe(false);

    if (process.env.MCPGATE_UPDATE_DOCS === '1') {
      rmSync(join(DOCS, 'sample'), { recursive: true, force: true });
      mkdirSync(DOCS, { recursive: true });
      cpSync(pack, join(DOCS, 'sample'), { recursive: true });
    }
  });

  it('the HTML renders in a real browser: every chart drawn, every section reachable', async () => {
    const pack = join(dir, 'pack');
    const shots = process.env.MCPGATE_UPDATE_DOCS === '1' ? DOCS : join(dir, 'shots');
    mkdirSync(shots, { recursive: true });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${join(pack, 'index.html')}`);
      const charts = data.sections.flatMap((sec) => sec.queries).filter((q) => q.chart && q.rows.length > 0);
      expect(await page.locator('figure svg').count()).toBe(charts.length);
      // Self-contained: the page loads nothing but itself.
      expect(requests).toEqual([`file://${join(pack, 'index.html')}`]);
      for (const [name, anchor] of [
        ['overview', undefined],
        ['access', '#q-denials_by_rule'],
        ['monitoring', '#cc7'],
        ['integrity', '#pi'],
        ['approvals', '#approvals'],
      ] as const) {
        // A string runs in the page (this file has no DOM types): the section's heading at the top.
        if (anchor) await page.evaluate(`document.querySelector(${JSON.stringify(anchor)}).scrollIntoView()`);
        const png = await page.screenshot({ path: join(shots, `report-${name}.png`) });
        expect(png.length).toBeGreaterThan(10_000);
      }
      // Printable: the print stylesheet yields a multi-page PDF (one section per page at least).
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
      expect(pages.length).toBeGreaterThanOrEqual(data.sections.length);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('export streams in constant memory: 100k records cost about what 20k do', async () => {
    // The built CLI in a child process, its peak RSS read at exit (scripts/rss-preload.mjs).
    const root = join(import.meta.dirname, '..', '..', '..');
    const cwd = join(dir, 'cli');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'audit.key'), pem, { mode: 0o600 });
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${s.schema},public`);
    writeFileSync(
      join(cwd, 'mcpgate.yaml'),
      `upstreams: {}\nstore:\n  url: ${JSON.stringify(url.toString())}\naudit:\n  signingKeyFile: ./audit.key\n`,
    );
    const peak = (to: Date, out: string) =>
      new Promise<{ mib: number; events: number }>((resolve, reject) => {
        const rss = join(cwd, `${out}.rss`);
        execFile(
          process.execPath,
          [
            '--import',
            join(root, 'scripts', 'rss-preload.mjs'),
            join(root, 'packages', 'cli', 'bin', 'mcpgate.js'),
            'audit',
            'export',
            '--from',
            START.toISOString(),
            '--to',
            to.toISOString(),
            '--out',
            join(cwd, out),
          ],
          { cwd, env: { PATH: process.env.PATH ?? '', MCPGATE_BENCH_RSS_FILE: rss } },
          (err, stdout, stderr) => {
            if (err) return reject(new Error(`${err.message}: ${stderr}`));
            resolve({
              mib: Number(readFileSync(rss, 'utf8')) / 1024,
              events: Number(/exported (\d+)/.exec(stdout)?.[1]),
            });
          },
        );
      });
    const small = await peak(new Date(START.getTime() + 6 * 86_400_000), 'small.jsonl');
    const large = await peak(END, 'large.jsonl');
    expect(small.events).toBeGreaterThan(15_000);
    expect(large.events).toBeGreaterThanOrEqual(5 * small.events * 0.9);
    // Holding the 80k more records would add their JSONL text alone (~1.2 KB each, ~95 MiB) plus
    // object overhead; streaming adds only GC noise, which was seen up to ~46 MiB on a loaded
    // 2-core machine (RSS peaks depend on when the collector runs), hence the margin.
    expect(large.mib - small.mib).toBeLessThan(80);
  }, 120_000);
});
