import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type GatewayConfig } from '@mcpgate/config';
import { cpuBudget, resolveWorkerCount, workerReplicaId } from '../src/runtime/workers.js';
import { mergeExpositions } from '../src/runtime/worker-metrics.js';

/** A config as `serve` loads it, from YAML text (no file on disk). */
async function config(yaml: string): Promise<GatewayConfig> {
  const r = await loadConfig({
    path: 'mcpgate.yaml',
    env: {},
    cwd: '/tmp',
    readFile: () => Promise.resolve(yaml),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const PG = 'store: { url: "postgres://postgres@127.0.0.1:5432/x" }\n';
const UP = 'upstreams:\n  ev:\n    command: node\n';

describe('server.workers', () => {
  it('auto is one per CPU on Postgres, and a number is taken as given', async () => {
    expect(resolveWorkerCount(await config(PG), undefined, 4)).toEqual({
      ok: true,
      count: 4,
      why: 'server.workers auto: one per CPU',
    });
    expect(resolveWorkerCount(await config(`${PG}server: { workers: 3 }\n`), undefined, 2)).toMatchObject({
      ok: true,
      count: 3,
    });
    // The flag wins over the config.
    expect(resolveWorkerCount(await config(`${PG}server: { workers: 3 }\n`), '1', 2)).toMatchObject({
      count: 1,
    });
  });

  it('means 1 where workers cannot share sessions, and refuses more, saying why', async () => {
    const perSession = await config(`${PG}${UP}    sharing: per-session\n`);
    expect(resolveWorkerCount(perSession, undefined, 4)).toMatchObject({ ok: true, count: 1 });
    expect(resolveWorkerCount(perSession, '2', 4)).toEqual({
      ok: false,
      error:
        '--workers is 2, but only 1 worker is possible: upstream ev is sharing: per-session, so its sessions live in one process; set --workers to 1 or auto',
    });
    const embedded = await config('server: { workers: 2 }\n');
    expect(resolveWorkerCount(embedded, undefined, 4)).toMatchObject({ ok: false });
    expect(resolveWorkerCount(await config(''), undefined, 4)).toMatchObject({ ok: true, count: 1 });
  });

  it('rejects a --workers that is neither a number nor auto', async () => {
    for (const bad of ['0', '-1', 'two', '1.5', '257'])
      expect(resolveWorkerCount(await config(PG), bad, 2)).toMatchObject({ ok: false });
  });

  it('gives each worker a distinct, stable audit replica id within 64 characters', () => {
    expect(workerReplicaId('gw-1', 2)).toBe('gw-1.w2');
    const long = workerReplicaId('h'.repeat(64), 12);
    expect(long).toHaveLength(64);
    expect(long.endsWith('.w12')).toBe(true);
  });
});

describe('merged /metrics of several workers', () => {
  it('labels every sample with its worker and keeps each HELP and TYPE once', () => {
    const one = [
      '# HELP a_total A.',
      '# TYPE a_total counter',
      'a_total{method="x"} 1',
      '# HELP b B.',
      '# TYPE b gauge',
      'b 7',
      '',
    ].join('\n');
    const two = one.replace('} 1', '} 5').replace('b 7', 'b 9');
    expect(
      mergeExpositions([
        { worker: '1', text: one },
        { worker: '2', text: two },
      ]),
    ).toBe(
      [
        '# HELP a_total A.',
        '# TYPE a_total counter',
        'a_total{worker="1",method="x"} 1',
        'a_total{worker="2",method="x"} 5',
        '# HELP b B.',
        '# TYPE b gauge',
        'b{worker="1"} 7',
        'b{worker="2"} 9',
        '',
      ].join('\n'),
    );
  });
});

describe('cpuBudget', () => {
  it('is capped by a cgroup v2 CPU quota, rounded up, and ignores "max"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-cpu-max-'));
    const file = join(dir, 'cpu.max');
    writeFileSync(file, '150000 100000\n');
    expect(cpuBudget(file)).toBe(Math.min(2, availableParallelism()));
    writeFileSync(file, 'max 100000\n');
    expect(cpuBudget(file)).toBe(availableParallelism());
    expect(cpuBudget(join(dir, 'missing'))).toBe(availableParallelism());
  });
});
