import { useEffect, useState } from 'preact/hooks';
import { api, type Me } from '../api.js';
import { navigate } from '../router.js';

interface SessionItem {
  id: string;
  startedAt: string;
  endedAt: string | null;
  subject: string | null;
  face: string | null;
  client: string | null;
  calls: number;
  refused: number;
}

interface Marker {
  detector: string;
  path: string;
  count: number;
  strategy: string;
}

interface TimelineItem {
  ts: string;
  type: string;
  correlationId: string | null;
  method: string | null;
  target?: string | null;
  decision?: string | null;
  rule?: string | null;
  approvalId?: string | null;
  outcome?: string | null;
  durationMs?: number | null;
  params?: unknown;
  result?: unknown;
  error?: { code: string | null; message: string | null };
  masking?: Marker[];
  subject?: string | null;
  client?: string | null;
  face?: string | null;
  reason?: string | null;
  direction?: string | null;
  summary?: unknown;
}

const FILTERS = ['from', 'to', 'user', 'group', 'upstream', 'tool', 'decision', 'outcome'] as const;
const LABELS: Record<(typeof FILTERS)[number], string> = {
  from: 'From',
  to: 'To',
  user: 'User',
  group: 'Group',
  upstream: 'Upstream',
  tool: 'Tool',
  decision: 'Decision',
  outcome: 'Outcome',
};

const when = (iso: string) => new Date(iso).toLocaleString();

export function SessionsPage({ me, url }: { me: Me; url: URL }) {
  const parts = url.pathname.split('/').filter(Boolean);
  return parts[2] ? <Replay id={decodeURIComponent(parts[2])} /> : <SessionList me={me} url={url} />;
}

function SessionList({ me, url }: { me: Me; url: URL }) {
  const [items, setItems] = useState<SessionItem[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const query = url.search;
  useEffect(() => {
    setError(undefined);
    api<{ items: SessionItem[] }>(`/admin/sessions${query}`)
      .then((r) => setItems(r.items))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [query]);
  const shown = FILTERS.filter((f) => f !== 'user' || me.roles.auditor);
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <p class="hint">{me.roles.auditor ? 'Every session (you are an auditor).' : 'Your own sessions.'}</p>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const q = new URLSearchParams();
          for (const f of shown) {
            const raw = data.get(f);
            const v = typeof raw === 'string' ? raw.trim() : '';
            if (v) q.set(f, f === 'from' || f === 'to' ? new Date(v).toISOString() : v);
          }
          navigate(`/console/sessions${q.size ? `?${q}` : ''}`);
        }}
      >
        {shown.map((f) => (
          <label key={f}>
            {LABELS[f]}
            {f === 'from' || f === 'to' ? (
              <input name={f} type="datetime-local" />
            ) : (
              <input name={f} type="text" defaultValue={url.searchParams.get(f) ?? ''} />
            )}
          </label>
        ))}
        <button type="submit">Filter</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {items && items.length === 0 && <p class="empty">No sessions match.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Sessions</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">User</th>
                <th scope="col">Client</th>
                <th scope="col">Calls</th>
                <th scope="col">Refused</th>
                <th scope="col">Ended</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id} data-session={s.id}>
                  <td>
                    <a href={`/console/sessions/${encodeURIComponent(s.id)}`}>{when(s.startedAt)}</a>
                  </td>
                  <td>{s.subject ?? '—'}</td>
                  <td>
                    {s.client ?? '—'} {s.face ? `(${s.face})` : ''}
                  </td>
                  <td>{s.calls}</td>
                  <td>{s.refused}</td>
                  <td>{s.endedAt ? when(s.endedAt) : 'open'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function MaskingMarkers({ markers }: { markers: Marker[] | undefined }) {
  if (!markers || markers.length === 0) return null;
  return (
    <ul class="markers" aria-label="Masked values">
      {markers.map((m, i) => (
        <li key={i} class="marker">
          masked <strong>{m.detector}</strong> at <code>{m.path}</code> ×{m.count} ({m.strategy})
        </li>
      ))}
    </ul>
  );
}

function Item({ e, start }: { e: TimelineItem; start: number }) {
  const at = `+${((new Date(e.ts).getTime() - start) / 1000).toFixed(3)} s`;
  let title: string;
  let detail: preact.ComponentChildren = null;
  switch (e.type) {
    case 'session.started':
      title = `Session started by ${e.subject ?? '?'} via ${e.face ?? '?'}${e.client ? ` (${e.client})` : ''}`;
      break;
    case 'session.ended':
      title = `Session ended${e.reason ? ` (${e.reason})` : ''}`;
      break;
    case 'call.request':
      title = `▶ ${e.method ?? ''} ${e.target ?? ''} — ${e.decision ?? 'allow'}${e.rule ? ` by rule ${e.rule}` : ''}`;
      detail = (
        <>
          {e.approvalId && <p>Approval {e.approvalId}</p>}
          <pre class="payload">{show(e.params)}</pre>
        </>
      );
      break;
    case 'call.response':
      title = `◀ ${e.method ?? ''} ${e.target ?? ''} — ${e.outcome ?? ''}${e.durationMs != null ? ` in ${e.durationMs} ms` : ''}`;
      detail = (
        <>
          <pre class="payload">{e.error ? `${e.error.code}: ${e.error.message}` : show(e.result)}</pre>
          <MaskingMarkers markers={e.masking} />
        </>
      );
      break;
    case 'call.refused':
      title = `✖ ${e.method ?? ''} ${e.target ?? ''} refused (${e.error?.code ?? e.outcome ?? ''})${e.rule ? ` by rule ${e.rule}` : ''}`;
      detail = <p>{e.error?.message}</p>;
      break;
    default:
      title = `${e.type} ${e.method ?? ''} ${e.direction ?? ''}`;
      detail = e.summary != null ? <pre class="payload">{show(e.summary)}</pre> : null;
  }
  return (
    <li class={`event ${e.type.replace('.', '-')}`}>
      <span class="at">{at}</span>
      <div>
        <p class="what">{title}</p>
        {detail}
      </div>
    </li>
  );
}

function Replay({ id }: { id: string }) {
  const [events, setEvents] = useState<TimelineItem[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<{ events: TimelineItem[] }>(`/admin/sessions/${encodeURIComponent(id)}`)
      .then((r) => setEvents(r.events))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [id]);
  return (
    <article aria-labelledby="replay-title">
      <p>
        <a href="/console/sessions">← Sessions</a>
      </p>
      <h1 id="replay-title">
        Session <span class="id">{id}</span>
      </h1>
      {error && <p role="alert">{error}</p>}
      {events && (
        <ol class="timeline" aria-label="Timeline">
          {events.map((e, i) => (
            <Item key={i} e={e} start={new Date(events[0]!.ts).getTime()} />
          ))}
        </ol>
      )}
    </article>
  );
}
