import { canonicalJson } from '@mcpgate/core';
import type { SiemRecord } from './record.js';

type AnyValue = { stringValue: string } | { intValue: string } | { arrayValue: { values: AnyValue[] } };

interface KeyValue {
  key: string;
  value: AnyValue;
}

const str = (key: string, v: string | null): KeyValue[] =>
  v === null ? [] : [{ key, value: { stringValue: v } }];

/** Records a SIEM should look at first (refusals, unknown outcomes) are WARN; the rest INFO. */
function severity(r: SiemRecord): { severityNumber: number; severityText: string } {
  return r.type === 'call.refused' || r.type === 'call.unknown'
    ? { severityNumber: 13, severityText: 'WARN' }
    : { severityNumber: 9, severityText: 'INFO' };
}

/** One audit record as an OTLP LogRecord (JSON encoding of the protobuf; docs/audit.md has the table). */
export function otlpLogRecord(r: SiemRecord, observedNanos: string): Record<string, unknown> {
  const attributes: KeyValue[] = [
    ...str('mcpgate.record.id', r.id),
    ...str('mcpgate.chain', r.chain),
    { key: 'mcpgate.seq', value: { intValue: String(r.seq) } },
    ...str('event.name', r.type),
    ...str('session.id', r.session),
    ...str('mcpgate.correlation_id', r.correlation),
    ...str('enduser.id', r.subject),
    ...(r.groups
      ? [
          {
            key: 'mcpgate.groups',
            value: { arrayValue: { values: r.groups.map((g) => ({ stringValue: g })) } },
          },
        ]
      : []),
    ...str('rpc.method', r.method),
    ...str('mcpgate.upstream', r.upstream),
    ...str('mcpgate.target', r.target),
    ...str('mcpgate.decision', r.decision),
    ...str('mcpgate.outcome', r.outcome),
    ...str('mcpgate.hash', r.hash),
    ...str('mcpgate.prev_hash', r.prev_hash),
  ];
  return {
    timeUnixNano: (BigInt(Date.parse(r.ts)) * 1_000_000n).toString(),
    observedTimeUnixNano: observedNanos,
    ...severity(r),
    eventName: r.type,
    body: { stringValue: canonicalJson(r.body) },
    attributes,
  };
}

/** An ExportLogsServiceRequest for one batch. */
export function otlpLogsRequest(
  records: readonly SiemRecord[],
  serviceName: string,
): Record<string, unknown> {
  const observed = (BigInt(Date.now()) * 1_000_000n).toString();
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeLogs: [
          {
            scope: { name: 'mcpgate.audit' },
            logRecords: records.map((r) => otlpLogRecord(r, observed)),
          },
        ],
      },
    ],
  };
}
