import type { EventRow } from '@mcpgate/audit';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A masking marker: which detector matched where, how often and what was done — never the value. */
export interface MaskingMarker {
  readonly detector: string;
  readonly path: string;
  readonly count: number;
  readonly strategy: string;
}

function markers(v: unknown): MaskingMarker[] {
  if (!Array.isArray(v)) return [];
  return v.map((m: Obj) => ({
    detector: String(m.detector),
    path: String(m.path),
    count: Number(m.count),
    strategy: String(m.strategy),
  }));
}

/**
 * One replay item from one audit event, in a shape a page can render: what happened, to which
 * tool, on which rule, how long it took, the payload as recorded (masked as the client got it)
 * and the masking markers. Hash-chain internals stay out.
 */
export function timelineItem(e: EventRow): Obj {
  const body = JSON.parse(e.body) as Obj;
  const base = {
    ts: new Date(e.ts).toISOString(),
    type: e.type,
    correlationId: e.correlation_id ?? null,
    method: e.method ?? null,
    upstream: e.upstream ?? null,
  };
  switch (e.type) {
    case 'session.started': {
      const identity = obj(body.identity);
      const client = obj(body.client);
      return {
        ...base,
        subject: str(identity?.subject) ?? e.subject ?? null,
        face: str(body.face),
        era: str(body.era),
        client: client ? `${str(client.name) ?? ''} ${str(client.version) ?? ''}`.trim() : null,
      };
    }
    case 'session.ended':
      return { ...base, reason: str(body.reason) };
    case 'call.request': {
      const d = obj(body.decision);
      return {
        ...base,
        target: str(obj(body.target)?.exposedName) ?? e.target ?? null,
        decision: str(d?.action) ?? e.decision ?? null,
        rule: str(d?.rule),
        approvalId: str(body.approvalId),
        params: body.params ?? null,
      };
    }
    case 'call.response': {
      const t = obj(body.timings);
      const err = obj(body.error);
      return {
        ...base,
        target: e.target ?? null,
        outcome: e.outcome ?? null,
        durationMs: num(t?.totalMs),
        upstreamMs: num(t?.upstreamMs),
        ...(err
          ? { error: { code: str(err.code), message: str(err.message) } }
          : { result: body.result ?? null, isError: body.isError === true }),
        masking: markers(body.masking),
      };
    }
    case 'call.refused': {
      const req = obj(body.request);
      const resp = obj(body.response);
      const err = obj(resp?.error);
      return {
        ...base,
        target: str(obj(req?.target)?.exposedName) ?? e.target ?? null,
        outcome: e.outcome ?? null,
        rule: str(obj(req?.decision)?.rule),
        error: { code: str(err?.code), message: str(err?.message) },
        masking: markers(resp?.masking),
      };
    }
    case 'notification':
    case 'server.request':
      return { ...base, direction: str(body.direction), summary: body.summary ?? null };
    default:
      return { ...base, outcome: e.outcome ?? null };
  }
}
