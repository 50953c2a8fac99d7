/**
 * A small Prometheus registry: counters and histograms with labels, rendered in the text
 * exposition format. Written here rather than pulled in as a dependency because the gateway needs
 * five metric families and no push, pull-gateway or default process collectors.
 *
 * Label values are only ever method names, outcome codes, decision actions, route names, upstream
 * names and states — never identities, tool arguments or tokens.
 */

/** Latency buckets in seconds: sub-millisecond gateway overhead up to long tool calls. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

type Labels = Readonly<Record<string, string>>;

/**
 * The series key, `a="x",b="y"` with names sorted. Runs three times per call, so it avoids the
 * sort for one label and the three escaping passes for a value with nothing to escape (all the
 * values above, in practice).
 */
function labelKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let out = '';
  for (const k of keys) {
    const v = labels[k] ?? '';
    out += `${out ? ',' : ''}${k}="${NEEDS_ESCAPE.test(v) ? escapeLabel(v) : v}"`;
  }
  return out;
}

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [k, v] of this.values) out.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {}
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
  }
}

/** A family read at scrape time (sessions open, upstream health, audit lag): no state to keep in sync. */
export interface GaugeSample {
  readonly labels: Labels;
  readonly value: number;
}

export interface GaugeSource {
  readonly name: string;
  readonly help: string;
  /** `counter` for a running total kept elsewhere and read at scrape time. Default `gauge`. */
  readonly type?: 'gauge' | 'counter';
  collect(): readonly GaugeSample[];
}

/** The gateway's metrics: per-call numbers from the chain step, per-request numbers from the face. */
export class GatewayMetrics {
  readonly calls = new Counter(
    'mcpgate_calls_total',
    'Client requests through the chain, by method and outcome.',
  );
  readonly decisions = new Counter(
    'mcpgate_decisions_total',
    'Policy decisions recorded on calls, by action.',
  );
  readonly callSeconds = new Histogram(
    'mcpgate_call_duration_seconds',
    'Time from a request entering the chain to its outcome, by method.',
  );
  readonly httpRequests = new Counter(
    'mcpgate_http_requests_total',
    'HTTP requests answered, by route and status.',
  );
  private readonly gauges: GaugeSource[] = [];

  addGauge(source: GaugeSource): void {
    this.gauges.push(source);
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    this.calls.render(out);
    this.decisions.render(out);
    this.callSeconds.render(out);
    this.httpRequests.render(out);
    for (const g of this.gauges) {
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type ?? 'gauge'}`);
      for (const s of g.collect()) {
        const k = labelKey(s.labels);
        out.push(`${g.name}${k ? `{${k}}` : ''} ${s.value}`);
      }
    }
    return out.join('\n') + '\n';
  }
}
