import { hostname, userInfo } from 'node:os';
import type { SigningKey, Store } from '@mcpgate/audit';
import { openStore, type AuditRecorder } from '@mcpgate/audit';
import { isGatewayError, type Logger } from '@mcpgate/core';
import { findConfigPath, formatIssue, loadConfig, parseDuration, type GatewayConfig } from '@mcpgate/config';
import { str, UsageError, type CommandContext, type OptionSpec } from '../command.js';
import { resolveSigningKey, startCommandRecorder, type CommandRecorder } from '../runtime/audit.js';
import { VERSION } from '../version.js';

/** `--config` plus the time-window flags every reading command shares. */
export const CONFIG_OPTION: OptionSpec = { config: { type: 'string', short: 'c' } };
export const WINDOW_OPTIONS: OptionSpec = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
};

export async function loadGatewayConfig(
  ctx: CommandContext,
  cmd: string,
): Promise<GatewayConfig | undefined> {
  const found = findConfigPath({ flag: str(ctx.values, 'config'), env: ctx.env, cwd: ctx.cwd });
  if (!found.ok) {
    ctx.stderr.write(`mcpgate ${cmd}: ${found.message}\n`);
    return undefined;
  }
  // Reading the audit starts no upstream: their secrets stay unresolved (and unneeded).
  const loaded = await loadConfig({
    path: found.path,
    env: ctx.env,
    cwd: ctx.cwd,
    resolveUpstreamSecrets: false,
  });
  if (!loaded.ok) {
    for (const e of loaded.errors) ctx.stderr.write(`${formatIssue(found.path, e)}\n`);
    return undefined;
  }
  return loaded.config;
}

/** Warnings (e.g. "generated a new signing key at …") go to stderr as one plain line. */
function stderrLogger(ctx: CommandContext, cmd: string): Logger {
  const warn = (obj: object, msg?: string): void => {
    const detail = Object.entries(obj)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    ctx.stderr.write(`mcpgate ${cmd}: ${msg ?? ''}${detail ? ` (${detail})` : ''}\n`);
  };
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn,
    error: warn,
    child: () => logger,
  };
  return logger;
}

/** Who is running this command, as recorded in `audit.read` events. */
export function operator(): { subject: string; host: string; pid: number } {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return { subject: `local:${user}`, host: hostname(), pid: process.pid };
}

export interface AuditSession {
  readonly config: GatewayConfig;
  readonly store: Store;
  readonly recorder: AuditRecorder;
  /** The audit signing key (the one checkpoints are signed with). */
  readonly signingKey: SigningKey;
}

/**
 * Opens the store plus a short-lived writer for this command (replica `cli-<host>`), so that
 * reading the audit is itself recorded. Closes both afterwards, with a final signed checkpoint.
 */
export async function withAudit(
  ctx: CommandContext,
  cmd: string,
  fn: (a: AuditSession) => Promise<number>,
): Promise<number> {
  const config = await loadGatewayConfig(ctx, cmd);
  if (!config) return 1;
  let store: Store | undefined;
  let audit: CommandRecorder | undefined;
  try {
    const signingKey = resolveSigningKey(config, stderrLogger(ctx, cmd));
    store = await openStore(config.store, { baseDir: config.baseDir });
    // This command's own chain (its audit.read record) is signed and witnessed like a gateway's.
    audit = await startCommandRecorder(store, config, signingKey, stderrLogger(ctx, cmd), {
      payloadCapBytes: config.audit.payloadCapBytes,
      version: VERSION,
    });
    const recorder = audit.recorder;
    return await fn({ config, store, recorder, signingKey });
  } catch (err) {
    // Usage errors are main's to print with the help text; anything the gateway can name is printed plainly.
    if (err instanceof UsageError || !isGatewayError(err)) throw err;
    ctx.stderr.write(`mcpgate ${cmd}: ${err.message}\n`);
    return 1;
  } finally {
    await audit?.close();
    await store?.close();
  }
}

/** `--since 24h` (a duration back from now), `--from`/`--to` (ISO dates or times). */
export function parseWindow(values: CommandContext['values']): { from?: Date; to?: Date } {
  const since = str(values, 'since');
  const from = str(values, 'from');
  const to = str(values, 'to');
  if (since && from) throw new UsageError('use either --since or --from, not both');
  const out: { from?: Date; to?: Date } = {};
  if (since) {
    const ms = parseDuration(since);
    if (ms === undefined)
      throw new UsageError(`--since takes a duration like 30m, 24h or 7d, got "${since}"`);
    out.from = new Date(Date.now() - ms);
  }
  if (from) out.from = parseDate('--from', from);
  if (to) out.to = parseDate('--to', to);
  if (out.from && out.to && out.from >= out.to) throw new UsageError('--from must be before --to');
  return out;
}

function parseDate(flag: string, v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`${flag} takes an ISO date or time (2026-01-31, 2026-01-31T12:00Z), got "${v}"`);
  return d;
}

/** A one-line progress indicator on stderr, only when stderr is a terminal. */
export function progress(
  ctx: CommandContext,
  label: string,
  total?: number,
): { tick(n: number): void; done(): void } {
  const tty = (ctx.stderr as NodeJS.WriteStream).isTTY === true;
  if (!tty) return { tick: () => undefined, done: () => undefined };
  let last = 0;
  const draw = (n: number): void => {
    if (total && total > 0) {
      const frac = Math.min(1, n / total);
      const bar = '█'.repeat(Math.round(frac * 30)).padEnd(30, '░');
      ctx.stderr.write(`\r${label} ${bar} ${Math.round(frac * 100)}% (${n}/${total})`);
    } else ctx.stderr.write(`\r${label} ${n} records`);
  };
  return {
    tick(n) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(n);
    },
    done() {
      ctx.stderr.write('\r\x1b[2K');
    },
  };
}

/** Filters as recorded in the `audit.read` event: only what was given. */
export function givenFilters(
  values: CommandContext['values'],
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (values[k] !== undefined) out[k] = values[k];
  return out;
}
