import type { SqlQueryable } from '@mcpgate/core';
import type { EventRow } from '../chain/event.js';

/** Every event of one session, in the order they happened. */
export async function sessionEvents(sql: SqlQueryable, sessionId: string): Promise<EventRow[]> {
  const r = await sql.query<EventRow>(
    `SELECT chain_id, seq, ts, type, session_id, correlation_id, subject, groups, method, upstream, target, decision,
            outcome, body, prev_hash, hash
     FROM events WHERE session_id = $1 ORDER BY ts, chain_id, seq`,
    [sessionId],
  );
  return r.rows.map((x) => ({ ...x, seq: Number(x.seq) }));
}

export interface RenderOptions {
  /** ANSI colours (only when writing to a terminal). */
  readonly color?: boolean;
  /** Show arguments and results up to this many characters each (default 160, or `columns`). */
  readonly width?: number;
  /**
   * Fit every line to this many terminal columns: the time column stays, the event text wraps
   * under it (long values are already clipped to `width`). Unset: lines are as long as they are.
   */
  readonly columns?: number;
}

type Obj = Record<string, unknown>;

/** Any recorded value as display text (strings as they are, anything else as JSON). */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function clip(v: unknown, width: number): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}

function time(d: Date, start: Date): string {
  const t = d.toISOString().slice(11, 23);
  const rel = ((d.getTime() - start.getTime()) / 1000).toFixed(3);
  return `${t} +${rel.padStart(8)}s`;
}

/**
 * Renders a session as a terminal timeline: one line per request, response, refusal, masking,
 * approval and notification, with durations — for a human reading what happened.
 */
export function renderTimeline(events: readonly EventRow[], opts: RenderOptions = {}): string {
  if (events.length === 0) return 'no events recorded for this session\n';
  const width = opts.width ?? opts.columns ?? 160;
  const c = (code: string, s: string): string => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const start = events[0]!.ts;
  const lines: string[] = [];
  const name = (e: EventRow, req?: Obj): string => {
    const target = (req?.target as Obj | undefined)?.exposedName ?? e.target ?? '';
    return `${e.method ?? ''} ${clip(target, 80)}`.trim();
  };
  for (const e of events) {
    const body = JSON.parse(e.body) as Obj;
    const at = c('2', time(e.ts, start));
    switch (e.type) {
      case 'session.started': {
        const client = body.client as Obj | undefined;
        const identity = body.identity as Obj | undefined;
        lines.push(
          `${at}  ${c('1', 'session started')}  ${text(identity?.subject ?? e.subject)} via ${text(body.face)} (${text(body.era)})` +
            (client ? `  client ${text(client.name)} ${text(client.version)}` : '') +
            (body.sourceIp ? `  from ${text(body.sourceIp)}` : '') +
            (body.host ? `  host ${text(body.host)} pid ${text(body.pid)}` : ''),
        );
        break;
      }
      case 'session.ended':
        lines.push(`${at}  ${c('1', 'session ended')}${body.reason ? `  (${text(body.reason)})` : ''}`);
        break;
      case 'call.request': {
        const d = body.decision as Obj | undefined;
        lines.push(
          `${at}  ${c('36', '▶')} ${name(e, body)}  ${c('2', clip(body.params, width))}` +
            (d ? `  ${c('2', `[${text(d.action)}${d.rule ? ` by ${text(d.rule)}` : ''}]`)}` : '') +
            (body.approvalId ? `  approval ${text(body.approvalId)}` : ''),
        );
        break;
      }
      case 'call.response': {
        const t = body.timings as Obj | undefined;
        const dur = t?.totalMs !== undefined ? `${text(t.totalMs)} ms` : '';
        const up = t?.upstreamMs !== undefined ? `, upstream ${text(t.upstreamMs)} ms` : '';
        const ok = e.outcome === 'ok';
        const what =
          body.kind === 'error'
            ? `error ${text((body.error as Obj).code)}: ${clip((body.error as Obj).message, width)}`
            : `${ok ? 'result' : 'tool error'} ${clip(body.result, width)}`;
        lines.push(`${at}  ${c(ok ? '32' : '31', '◀')} ${name(e)}  ${what}  ${c('2', `(${dur}${up})`)}`);
        for (const m of (body.masking as Obj[] | undefined) ?? [])
          lines.push(
            `${' '.repeat(at.length - (opts.color ? 8 : 0))}    ${c('33', 'masked')} ${text(m.detector)} at ${text(m.path)} ×${text(m.count)} (${text(m.strategy)})`,
          );
        break;
      }
      case 'call.refused': {
        const resp = body.response as Obj;
        const err = resp.error as Obj | undefined;
        const req = body.request as Obj;
        const d = req.decision as Obj | undefined;
        lines.push(
          `${at}  ${c('31', '✖')} ${name(e, req)}  ${c('31', `refused ${text(err?.code ?? e.outcome)}`)}: ${clip(err?.message, width)}` +
            (d?.rule ? `  [rule ${text(d.rule)}]` : ''),
        );
        break;
      }
      case 'call.gateway':
        lines.push(`${at}  ${c('2', '·')} ${e.method ?? ''}  ${c('2', clip(body.counts, width))}`);
        break;
      case 'call.unknown':
        lines.push(`${at}  ${c('35', '?')} ${name(e)}  ${c('35', text(body.reason))}`);
        break;
      case 'notification':
      case 'server.request': {
        // Upstream side: what the upstream started (or the client answered), masked, and whether
        // a step refused it.
        const refused = body.refused as Obj | undefined;
        const d = body.decision as Obj | undefined;
        lines.push(
          `${at}  ${c(refused ? '31' : '2', e.type === 'server.request' ? '⇄' : '~')} ${e.method ?? ''} ${c('2', `${text(body.direction)} ${clip(body.summary, width)}`)}` +
            (refused
              ? `  ${c('31', `refused ${text(refused.code)}`)}: ${clip(refused.message, width)}`
              : '') +
            (d?.rule ? `  [rule ${text(d.rule)}]` : ''),
        );
        if (body.payload !== undefined)
          lines.push(
            `${' '.repeat(at.length - (opts.color ? 8 : 0))}    ${c('2', clip(body.payload, width))}`,
          );
        for (const m of (body.masking as Obj[] | undefined) ?? [])
          lines.push(
            `${' '.repeat(at.length - (opts.color ? 8 : 0))}    ${c('33', 'masked')} ${text(m.detector)} at ${text(m.path)} ×${text(m.count)} (${text(m.strategy)})`,
          );
        break;
      }
      default:
        lines.push(`${at}  ${e.type}  ${c('2', clip(body, width))}`);
    }
  }
  const fitted = opts.columns === undefined ? lines : lines.flatMap((l) => fitLine(l, opts.columns!));
  return `${fitted.join('\n')}\n`;
}

// ANSI colour codes take no columns; everything else here is one column per code point.
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'y');
const ANSI_ALL = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');

/** The line as atoms: each visible character, with any colour codes before it attached. */
function atoms(line: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (let i = 0; i < line.length;) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(line);
    if (m) {
      pending += m[0];
      i += m[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    out.push(pending + ch);
    pending = '';
    i += ch.length;
  }
  if (pending && out.length > 0) out[out.length - 1] += pending;
  else if (pending) out.push(pending);
  return out;
}

/** Visible text of an atom (without its colour codes). */
const visible = (atom: string): string => atom.replace(ANSI_ALL, '');

// The time column ("HH:MM:SS.mmm +   0.000s") and the gap after it.
const TIME_COLUMN = 26;

/**
 * One timeline line fitted to `columns`: continuation lines are indented past the time column,
 * broken at spaces where possible, a word longer than the room left is cut; nothing is dropped.
 */
function fitLine(line: string, columns: number): string[] {
  const all = atoms(line);
  if (all.length <= columns) return [line];
  const indent = columns - TIME_COLUMN >= 20 ? TIME_COLUMN : 4;
  const out: string[] = [];
  let rest = all;
  // Never break inside the time column (first line) or the indent (continuations).
  let keep = Math.min(TIME_COLUMN, columns - 1);
  while (rest.length > columns) {
    let cut = -1;
    for (let i = columns; i > keep; i--)
      if (visible(rest[i]!) === ' ') {
        cut = i;
        break;
      }
    const at = cut > 0 ? cut : columns;
    out.push(rest.slice(0, at).join('').trimEnd());
    rest = rest.slice(at);
    while (rest.length > 0 && visible(rest[0]!) === ' ') {
      // Drop the space, keep its colour codes.
      const codes = rest[0]!.slice(0, -1);
      rest = rest.slice(1);
      if (codes && rest.length > 0) rest = [codes + rest[0]!, ...rest.slice(1)];
    }
    if (rest.length > 0) rest = [...atoms(' '.repeat(indent)), ...rest];
    keep = indent;
  }
  if (rest.length > 0) out.push(rest.join(''));
  return out;
}
