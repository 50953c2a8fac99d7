import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './support.js';

export const NGINX = '/usr/sbin/nginx';

/** Every ```nginx block of docs/deploy.md, in order: the tests run these configs. */
export function deployNginxBlocks(): string[] {
  const deploy = readFileSync(join(REPO, 'docs', 'deploy.md'), 'utf8');
  return [...deploy.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** docs/deploy.md's nginx config for several replicas: the block with an `upstream`. */
export function deployNginxLbBlock(): string {
  const block = deployNginxBlocks().find((b) => /^upstream mcpgate \{/m.test(b));
  if (!block) throw new Error('docs/deploy.md has no ```nginx block with `upstream mcpgate {`');
  return block;
}

/**
 * The documented load-balancer config listening on `port` (plain HTTP on loopback: the tests have
 * no certificate, so the `listen` line loses `ssl` and the certificate lines go) with its upstream
 * `server` lines replaced by the replicas' addresses. Nothing else changes.
 */
export function nginxLbConfigFor(block: string, port: number, replicas: readonly string[]): string {
  const out: string[] = [];
  let serversDone = false;
  for (const line of block.split('\n')) {
    if (/^\s*listen\s/.test(line)) {
      out.push(`    listen 127.0.0.1:${port};`);
      continue;
    }
    if (/^\s*ssl_certificate(_key)?\s/.test(line)) continue;
    const server = /^(\s+)server\s+[\d.]+:\d+(.*)$/.exec(line);
    if (server) {
      if (!serversDone) {
        for (const url of replicas) {
          const u = new URL(url);
          out.push(`${server[1]}server ${u.hostname}:${u.port}${server[2]}`);
        }
        serversDone = true;
      }
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

export interface NginxProcess {
  /** What nginx wrote to stderr (its error log). */
  readonly log: string[];
  exitCode(): number | null;
  stop(): Promise<void>;
}

/**
 * Debian's nginx in the foreground with `http { <httpBody> }` as its whole config, after
 * `nginx -t` accepted it (a config nginx rejects fails here with nginx's own message).
 */
export function startNginx(httpBody: string): NginxProcess {
  if (!existsSync(NGINX))
    throw new Error(`${NGINX} is missing: install Debian's nginx-light (.ci/run does) to run this test`);
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers may run as another user
  mkdirSync(join(dir, 'logs'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\naccess_log off;\n${httpBody}\n}\n`,
  );
  const args = ['-p', dir, '-c', conf, '-e', 'stderr'];
  const check = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t rejected the config:\n${check.stderr}`);
  const child = spawn(NGINX, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  child.stderr.on('data', (d: Buffer) => log.push(...d.toString('utf8').split('\n').filter(Boolean)));
  return {
    log,
    exitCode: () => child.exitCode,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      // SIGTERM: the master stops its workers too (SIGKILL would orphan them).
      child.kill('SIGTERM');
      await exited;
    },
  };
}
