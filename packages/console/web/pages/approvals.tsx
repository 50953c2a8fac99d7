import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api.js';

export interface Decision {
  reviewer: string;
  reviewerName: string | null;
  decision: 'approve' | 'deny';
  reason: string | null;
  channel: string;
  decidedAt: string;
}

export interface Approval {
  id: string;
  status: string;
  requester: string;
  requesterName: string | null;
  upstream: string;
  tool: string;
  arguments: string;
  rule: string | null;
  reviewers: string[];
  required: number;
  approvals: number;
  allowSelfApproval: boolean;
  mode: string;
  createdAt: string;
  expiresAt: string;
  closedReason: string | null;
  decisions: Decision[];
}

/** Re-reads whenever the server says approvals changed (server-sent events), and once a minute anyway. */
function useLive(reload: () => void): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const es = new EventSource('/admin/approvals/events');
    es.addEventListener('ready', () => setConnected(true));
    es.addEventListener('approvals', () => reload());
    es.onerror = () => setConnected(false);
    const t = setInterval(reload, 60_000);
    return () => {
      es.close();
      clearInterval(t);
    };
  }, [reload]);
  return connected;
}

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function timeLeft(expiresAt: string, now: number): string {
  const ms = new Date(expiresAt).getTime() - now;
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

const who = (a: Approval) => (a.requesterName ? `${a.requesterName} (${a.requester})` : a.requester);

/** Why the signed-in user may not decide, or undefined when they may (the server checks again). */
function cannotDecide(a: Approval, me: Me): string | undefined {
  if (a.status !== 'requested') return `This request is ${a.status}.`;
  if (a.requester === me.subject && !a.allowSelfApproval)
    return 'You made this request; someone else must decide it.';
  if (!a.reviewers.some((g) => me.groups.includes(g)))
    return `Only members of ${a.reviewers.join(', ')} decide this request.`;
  if (a.decisions.some((d) => d.reviewer === me.subject)) return 'You already decided this request.';
  return undefined;
}

export function ApprovalsPage({ me, url }: { me: Me; url: URL }) {
  const parts = url.pathname.split('/').filter(Boolean);
  const id = parts[0] === 'console' && parts[1] === 'approvals' ? parts[2] : undefined;
  return id ? (
    <ApprovalDetail me={me} id={decodeURIComponent(id)} decide={url.searchParams.get('decide')} />
  ) : (
    <Inbox />
  );
}

function Inbox() {
  const [show, setShow] = useState<'requested' | 'all'>('requested');
  const [items, setItems] = useState<Approval[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const now = useNow();
  const reload = useCallback(() => {
    const q = show === 'requested' ? '?status=requested&limit=100' : '?limit=100';
    api<{ items: Approval[] }>(`/admin/approvals${q}`)
      .then((r) => {
        setItems(r.items);
        setError(undefined);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [show]);
  useEffect(reload, [reload]);
  const live = useLive(reload);

  return (
    <section aria-labelledby="inbox-title">
      <div class="title-row">
        <h1 id="inbox-title">Approvals</h1>
        <span class={live ? 'live on' : 'live'} aria-live="polite">
          {live ? 'Live' : 'Reconnecting…'}
        </span>
      </div>
      <fieldset class="tabs">
        <legend class="sr-only">Show</legend>
        <label>
          <input
            type="radio"
            name="show"
            checked={show === 'requested'}
            onChange={() => setShow('requested')}
          />
          Waiting for a decision
        </label>
        <label>
          <input type="radio" name="show" checked={show === 'all'} onChange={() => setShow('all')} /> All
        </label>
      </fieldset>
      {error && <p role="alert">{error}</p>}
      {items && items.length === 0 && <p class="empty">Nothing is waiting for you.</p>}
      {items && items.length > 0 && (
        <ul class="cards" aria-label="Approval requests">
          {items.map((a) => (
            <li key={a.id} class="card" data-approval={a.id}>
              <a href={`/console/approvals/${encodeURIComponent(a.id)}`}>
                <span class="tool">
                  {a.upstream} / {a.tool}
                </span>
                <span class="id">{a.id}</span>
              </a>
              <code class="args-preview">
                {a.arguments.length > 140 ? `${a.arguments.slice(0, 140)}…` : a.arguments}
              </code>
              <dl class="facts">
                <dt>Requester</dt>
                <dd>{who(a)}</dd>
                <dt>Rule</dt>
                <dd>{a.rule ?? '—'}</dd>
                <dt>Approvals</dt>
                <dd>
                  {a.approvals} of {a.required}
                </dd>
                <dt>{a.status === 'requested' ? 'Time left' : 'Status'}</dt>
                <dd>{a.status === 'requested' ? timeLeft(a.expiresAt, now) : a.status}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ApprovalDetail({ me, id, decide }: { me: Me; id: string; decide: string | null }) {
  const [a, setA] = useState<Approval | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | undefined>();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const now = useNow();
  const reload = useCallback(() => {
    api<{ approval: Approval }>(`/admin/approvals/${encodeURIComponent(id)}`)
      .then((r) => setA(r.approval))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [id]);
  useEffect(reload, [reload]);
  useLive(reload);
  useEffect(() => {
    // Arriving from a Slack/webhook "Deny" link: the reason is required, so start there.
    if (decide === 'deny' && a) reasonRef.current?.focus();
  }, [decide, a?.id]);

  const submit = async (decision: 'approve' | 'deny') => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const r = await api<{ approval: Approval }>(`/admin/approvals/${encodeURIComponent(id)}/${decision}`, {
        method: 'POST',
        body: reason.trim() ? { reason: reason.trim() } : {},
      });
      setA(r.approval);
      setOutcome(decision === 'approve' ? 'Your approval was recorded.' : 'Your denial was recorded.');
    } catch (err) {
      setOutcome(err instanceof ApiError ? `Refused: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (error)
    return (
      <p role="alert">
        {error} <a href="/console/approvals">Back to the inbox</a>
      </p>
    );
  if (!a) return <p>Loading {id}…</p>;
  const blocked = cannotDecide(a, me);
  return (
    <article aria-labelledby="approval-title" class="detail">
      <p>
        <a href="/console/approvals">← Approvals</a>
      </p>
      <h1 id="approval-title">
        {a.upstream} / {a.tool} <span class="id">{a.id}</span>
      </h1>
      <dl class="facts wide">
        <dt>Status</dt>
        <dd data-field="status">{a.status}</dd>
        <dt>Requester</dt>
        <dd>{who(a)}</dd>
        <dt>Rule</dt>
        <dd>{a.rule ?? '—'}</dd>
        <dt>Reviewers</dt>
        <dd>{a.reviewers.join(', ')}</dd>
        <dt>Approvals</dt>
        <dd data-field="progress">
          {a.approvals} of {a.required}
        </dd>
        <dt>{a.status === 'requested' ? 'Time left' : 'Requested'}</dt>
        <dd>
          {a.status === 'requested' ? timeLeft(a.expiresAt, now) : new Date(a.createdAt).toLocaleString()}
        </dd>
      </dl>
      <h2>Arguments</h2>
      <p class="hint">As the policy lets reviewers see them: secrets are masked.</p>
      <pre class="args" tabIndex={0} aria-label="Arguments">
        {a.arguments}
      </pre>
      {a.decisions.length > 0 && (
        <>
          <h2>History</h2>
          <ol class="history">
            {a.decisions.map((d) => (
              <li key={`${d.reviewer}-${d.decidedAt}`}>
                {d.decision === 'approve' ? 'Approved' : 'Denied'} by {d.reviewerName ?? d.reviewer} via{' '}
                {d.channel} at {new Date(d.decidedAt).toLocaleString()}
                {d.reason ? `: ${d.reason}` : ''}
              </li>
            ))}
          </ol>
        </>
      )}
      {a.closedReason && <p>{a.closedReason}</p>}
      <h2>Decision</h2>
      {blocked && <p class="blocked">{blocked}</p>}
      <form
        class="decide"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label for="reason">Reason (required to deny)</label>
        <textarea
          id="reason"
          ref={reasonRef}
          rows={3}
          value={reason}
          disabled={!!blocked || busy}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
        />
        <div class="buttons">
          <button
            type="button"
            class={decide === 'approve' ? 'approve suggested' : 'approve'}
            disabled={!!blocked || busy}
            onClick={() => void submit('approve')}
          >
            Approve
          </button>
          <button
            type="button"
            class={decide === 'deny' ? 'deny suggested' : 'deny'}
            disabled={!!blocked || busy || reason.trim() === ''}
            onClick={() => void submit('deny')}
          >
            Deny
          </button>
        </div>
      </form>
      {outcome && (
        <p role="status" class="outcome">
          {outcome}
        </p>
      )}
    </article>
  );
}
