import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api.js';
import { message } from '../format.js';
import { navigate } from '../router.js';

interface Activity {
  range: string;
  bucketMs: number;
  from: string;
  to: string;
  waitingNow: number;
  buckets: Array<{ t: string; calls: number; denials: number; held: number }>;
}

interface Health {
  upstreams: Array<{
    name: string;
    state: string;
    transport: string;
    era: string | null;
    restarts: number;
    lastError: string | null;
  }>;
  audit: {
    lagMs: number;
    queued: number;
    deferred: number;
    dropped: number;
    sampleEveryMs: number;
    samples: Array<{ t: string; lagMs: number; pending: number }>;
  };
}

const RANGES = [
  { id: '1h', label: 'Last hour' },
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
] as const;

const clock = (iso: string, withDay: boolean) =>
  new Date(iso).toLocaleString(undefined, {
    ...(withDay && { month: 'short', day: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
  });

const span = (ms: number) =>
  ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;

/**
 * One bar chart, drawn as plain SVG (no chart library: a few hundred bytes of code, nothing inline
 * for the CSP to refuse). The headline number and the peak are text beside it, so the chart is
 * read at a glance; the SVG carries a summary for screen readers and a title on every bar.
 */
function Bars(props: {
  title: string;
  total: string;
  points: Array<{ t: string; v: number }>;
  kind: string;
  unit?: string;
  withDay: boolean;
}) {
  const { points, kind, unit = '' } = props;
  const W = 300;
  const H = 80;
  const max = Math.max(0, ...points.map((p) => p.v));
  const peak = points.find((p) => p.v === max);
  const step = W / Math.max(points.length, 1);
  const summary =
    max === 0
      ? `${props.title}: none in this range.`
      : `${props.title}: ${props.total}; peak ${max}${unit} at ${clock(peak!.t, props.withDay)}.`;
  const first = points[0];
  const last = points.at(-1);
  return (
    <figure class={`chart ${kind}`}>
      <figcaption>
        <span class="chart-title">{props.title}</span>
        <span class="chart-total">{props.total}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        <line class="axis" x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} />
        {points.map((p, i) =>
          p.v > 0 ? (
            <rect
              key={i}
              class="bar"
              x={i * step + step * 0.1}
              width={step * 0.8}
              y={H - Math.max(2, (p.v / max) * (H - 4))}
              height={Math.max(2, (p.v / max) * (H - 4))}
            >
              <title>{`${clock(p.t, props.withDay)}: ${p.v}${unit}`}</title>
            </rect>
          ) : null,
        )}
      </svg>
      <p class="chart-scale" aria-hidden="true">
        <span>{first ? clock(first.t, props.withDay) : ''}</span>
        <span>{max > 0 ? `peak ${max}${unit}` : 'none'}</span>
        <span>{last ? clock(last.t, props.withDay) : ''}</span>
      </p>
    </figure>
  );
}

export function OverviewPage({ me, url }: { me: Me; url: URL }) {
  const range = url.searchParams.get('range') ?? '24h';
  const [activity, setActivity] = useState<Activity | undefined>();
  const [activityError, setActivityError] = useState<unknown>();
  const [health, setHealth] = useState<Health | undefined>();
  const [healthError, setHealthError] = useState<unknown>();
  useEffect(() => {
    setActivity(undefined);
    api<Activity>(`/admin/overview/activity?range=${encodeURIComponent(range)}`)
      .then((a) => {
        setActivity(a);
        setActivityError(undefined);
      })
      .catch(setActivityError);
  }, [range]);
  useEffect(() => {
    const load = () =>
      api<Health>('/admin/overview/health')
        .then((h) => {
          setHealth(h);
          setHealthError(undefined);
        })
        .catch(setHealthError);
    void load();
    // Health is cheap and is not an audit read: keep it current.
    const t = setInterval(() => void load(), 15_000);
    return () => clearInterval(t);
  }, []);

  const withDay = range !== '1h';
  const sum = (k: 'calls' | 'denials' | 'held') => activity?.buckets.reduce((n, b) => n + b[k], 0) ?? 0;
  const refused = (e: unknown) => e instanceof ApiError && e.status === 403;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <h2>Activity</h2>
      <fieldset class="tabs">
        <legend class="sr-only">Time range</legend>
        {RANGES.map((r) => (
          <label key={r.id}>
            <input
              type="radio"
              name="range"
              checked={range === r.id}
              onChange={() => navigate(`/console/overview?range=${r.id}`)}
            />{' '}
            {r.label}
          </label>
        ))}
      </fieldset>
      {refused(activityError) ? (
        <p role="alert" class="refused">
          The activity charts are for auditors and admins (<code>console.roles</code>). The server answered:{' '}
          {message(activityError)}
        </p>
      ) : activityError !== undefined ? (
        <p role="alert">{message(activityError)}</p>
      ) : activity ? (
        <div class="charts">
          <Bars
            title="Calls"
            kind="calls"
            total={`${sum('calls')} in total`}
            points={activity.buckets.map((b) => ({ t: b.t, v: b.calls }))}
            withDay={withDay}
          />
          <Bars
            title="Refused calls"
            kind="denials"
            total={`${sum('denials')} refused`}
            points={activity.buckets.map((b) => ({ t: b.t, v: b.denials }))}
            withDay={withDay}
          />
          <Bars
            title="Held for approval"
            kind="held"
            total={`${sum('held')} held · ${activity.waitingNow} waiting now`}
            points={activity.buckets.map((b) => ({ t: b.t, v: b.held }))}
            withDay={withDay}
          />
          <p class="hint wide">Each bar is {span(activity.bucketMs)}.</p>
        </div>
      ) : (
        <p>Loading…</p>
      )}
      <h2>Gateway health</h2>
      {refused(healthError) ? (
        <p role="alert" class="refused">
          Upstream health and audit lag are for admins (<code>console.roles.admin</code>)
          {me.roles.admin ? '' : '; you are not one'}. The server answered: {message(healthError)}
        </p>
      ) : healthError !== undefined ? (
        <p role="alert">{message(healthError)}</p>
      ) : health ? (
        <>
          <div class="charts">
            <Bars
              title="Audit lag (this gateway process)"
              kind="lag"
              unit=" ms"
              total={
                health.audit.lagMs === 0
                  ? 'every record durable now'
                  : `${health.audit.lagMs} ms behind, ${health.audit.queued + health.audit.deferred} records pending`
              }
              points={health.audit.samples.map((s) => ({ t: s.t, v: s.lagMs }))}
              withDay={false}
            />
          </div>
          <p class="hint">
            Sampled every {span(health.audit.sampleEveryMs)} for the last hour; {health.audit.dropped} records
            dropped since start.
          </p>
          <div class="table-wrap">
            <table>
              <caption>Upstreams</caption>
              <thead>
                <tr>
                  <th scope="col">Upstream</th>
                  <th scope="col">State</th>
                  <th scope="col">Transport</th>
                  <th scope="col">Restarts</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {health.upstreams.map((u) => (
                  <tr key={u.name} data-upstream={u.name}>
                    <td>{u.name}</td>
                    <td>
                      <span class={`badge ${u.state}`}>{u.state}</span>
                    </td>
                    <td>
                      {u.transport}
                      {u.era ? ` (${u.era})` : ''}
                    </td>
                    <td>{u.restarts}</td>
                    <td>{u.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p>Loading…</p>
      )}
    </section>
  );
}
