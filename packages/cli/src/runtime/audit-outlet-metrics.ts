import type { SinkStats, WitnessStats } from '@mcpgate/audit';
import type { GatewayMetrics } from '@mcpgate/faces';

export interface AuditOutletStats {
  readonly witness: readonly WitnessStats[];
  readonly sinks: readonly SinkStats[];
}

/**
 * Checkpoint witnesses and SIEM sinks on `/metrics`: they never block calls, so their failures
 * must be visible here (alert on a rising failure count or a growing witness backlog).
 */
export function addAuditOutletMetrics(metrics: GatewayMetrics, stats: () => AuditOutletStats): void {
  metrics.addGauge({
    name: 'mcpgate_audit_witness_published_total',
    help: 'Checkpoint copies published to each witness (audit.witness).',
    type: 'counter',
    collect: () => stats().witness.map((w) => ({ labels: { witness: w.witness }, value: w.published })),
  });
  metrics.addGauge({
    name: 'mcpgate_audit_witness_failures_total',
    help: 'Failed attempts to publish a checkpoint to a witness (each is retried).',
    type: 'counter',
    collect: () => stats().witness.map((w) => ({ labels: { witness: w.witness }, value: w.failures })),
  });
  metrics.addGauge({
    name: 'mcpgate_audit_witness_pending',
    help: 'Checkpoint copies waiting to be published to a witness.',
    collect: () => stats().witness.map((w) => ({ labels: { witness: w.witness }, value: w.pending })),
  });
  metrics.addGauge({
    name: 'mcpgate_audit_sink_records_total',
    help: 'Audit records this process delivered to each SIEM sink (audit.sinks).',
    type: 'counter',
    collect: () => stats().sinks.map((s) => ({ labels: { sink: s.sink }, value: s.delivered })),
  });
  metrics.addGauge({
    name: 'mcpgate_audit_sink_failures_total',
    help: 'Failed deliveries to a SIEM sink (the records stay in the database and are retried).',
    type: 'counter',
    collect: () => stats().sinks.map((s) => ({ labels: { sink: s.sink }, value: s.failures })),
  });
  metrics.addGauge({
    name: 'mcpgate_audit_sink_active',
    help: 'Whether this replica holds the sink lease and delivers for it (1) or stands by (0).',
    collect: () => stats().sinks.map((s) => ({ labels: { sink: s.sink }, value: s.active ? 1 : 0 })),
  });
}
