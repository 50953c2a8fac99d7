import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api.js';
import { message, when } from '../format.js';
import { KeysSection } from './keys.js';
import { PinsSection } from './pins.js';

interface Grant {
  id: string;
  status: string;
  requester: string;
  upstream: string;
  tool: string;
  rule: string;
  reason: string;
  duration: string;
  createdAt: string;
  decidedBy: string | null;
  decisionReason: string | null;
  expiresAt: string | null;
  revokedBy: string | null;
}

const TABS = [
  { path: '/console/access', label: 'Grants' },
  { path: '/console/access/keys', label: 'API keys' },
  { path: '/console/access/pins', label: 'Tool pins' },
] as const;

/** Access: just-in-time grants for everyone; API keys and tool pins for admins (the server decides). */
export function AccessPage({ me, url }: { me: Me; url: URL }) {
  const path = url.pathname.replace(/\/+$/, '');
  return (
    <section aria-labelledby="access-title">
      <h1 id="access-title">Access</h1>
      <nav aria-label="Access" class="subnav">
        {TABS.map((t) => (
          <a key={t.path} href={t.path} aria-current={path === t.path ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {path === '/console/access/keys' ? (
        <KeysSection me={me} />
      ) : path === '/console/access/pins' ? (
        <PinsSection />
      ) : (
        <GrantsSection me={me} />
      )}
    </section>
  );
}

/** Why `me` may not decide this grant, or undefined (the server checks again either way). */
function cannotDecide(g: Grant, me: Me): string | undefined {
  if (g.status !== 'pending') return `This grant is ${g.status}.`;
  if (g.requester === me.subject) return 'You requested this grant; a reviewer of its rule decides it.';
  return undefined;
}

function GrantsSection({ me }: { me: Me }) {
  const [items, setItems] = useState<Grant[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<string | undefined>();
  const reload = useCallback(() => {
    api<{ items: Grant[] }>('/admin/grants')
      .then((r) => {
        setItems(r.items.slice().reverse());
        setError(undefined);
      })
      .catch((err: unknown) => setError(message(err)));
  }, []);
  useEffect(reload, [reload]);

  const act = async (g: Grant, action: 'approve' | 'deny' | 'revoke', reason: string) => {
    setOutcome(undefined);
    try {
      await api(`/admin/grants/${encodeURIComponent(g.id)}/${action}`, {
        method: 'POST',
        body: reason.trim() ? { reason: reason.trim() } : {},
      });
      setOutcome(
        `Grant ${g.id}: ${action === 'approve' ? 'approved' : action === 'deny' ? 'denied' : 'revoked'}.`,
      );
    } catch (err) {
      setOutcome(err instanceof ApiError ? `Refused: ${err.message}` : message(err));
    }
    reload();
  };

  return (
    <>
      <h2 id="request-title">Request access</h2>
      <p class="hint">
        For upstreams a <code>require_grant</code> rule covers: a reviewer of that rule approves, and the
        grant ends on its own after the duration.
      </p>
      <RequestForm
        onDone={(text) => {
          setOutcome(text);
          reload();
        }}
      />
      {outcome && (
        <p role="status" class="outcome">
          {outcome}
        </p>
      )}
      <h2>Grants</h2>
      <p class="hint">Your own requests, and the ones you review.</p>
      {error && <p role="alert">{error}</p>}
      {items && items.length === 0 && <p class="empty">No grants yet.</p>}
      {items && items.length > 0 && (
        <ul class="cards" aria-label="Grants">
          {items.map((g) => (
            <GrantCard key={g.id} g={g} me={me} act={act} />
          ))}
        </ul>
      )}
    </>
  );
}

function RequestForm({ onDone }: { onDone: (text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  return (
    <form
      class="form-grid"
      aria-labelledby="request-title"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        const field = (k: string) => {
          const v = data.get(k);
          return typeof v === 'string' ? v.trim() : '';
        };
        setBusy(true);
        setError(undefined);
        api<{ grant: Grant }>('/admin/grants', {
          method: 'POST',
          body: {
            upstream: field('upstream'),
            ...(field('tool') && { tool: field('tool') }),
            duration: field('duration'),
            reason: field('reason'),
          },
        })
          .then((r) => {
            form.reset();
            onDone(`Requested ${r.grant.id}: ${r.grant.upstream} / ${r.grant.tool} for ${r.grant.duration}.`);
          })
          .catch((err: unknown) => setError(message(err)))
          .finally(() => setBusy(false));
      }}
    >
      <label>
        Upstream
        <input name="upstream" required autoComplete="off" />
      </label>
      <label>
        Tool (optional, a glob)
        <input name="tool" placeholder="*" autoComplete="off" />
      </label>
      <label>
        Duration
        <input name="duration" required placeholder="30m" defaultValue="30m" autoComplete="off" />
      </label>
      <label class="wide">
        Reason
        <input name="reason" required autoComplete="off" />
      </label>
      <div class="buttons">
        <button type="submit" disabled={busy}>
          Request
        </button>
      </div>
      {error && (
        <p role="alert" class="wide">
          {error}
        </p>
      )}
    </form>
  );
}

function GrantCard({
  g,
  me,
  act,
}: {
  g: Grant;
  me: Me;
  act: (g: Grant, action: 'approve' | 'deny' | 'revoke', reason: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const blocked = cannotDecide(g, me);
  const live = g.status === 'pending' || (g.status === 'approved' && g.expiresAt !== null);
  const run = (action: 'approve' | 'deny' | 'revoke') => {
    setBusy(true);
    void act(g, action, reason).finally(() => setBusy(false));
  };
  const reasonId = `reason-${g.id}`;
  return (
    <li class="card" data-grant={g.id}>
      <p class="card-head">
        <span class="tool">
          {g.upstream} / {g.tool}
        </span>
        <span class={`badge ${g.status}`}>{g.status}</span>
      </p>
      <dl class="facts">
        <dt>Grant</dt>
        <dd class="id">{g.id}</dd>
        <dt>Requester</dt>
        <dd>{g.requester}</dd>
        <dt>Rule</dt>
        <dd>{g.rule}</dd>
        <dt>Duration</dt>
        <dd>{g.duration}</dd>
        <dt>Reason</dt>
        <dd>{g.reason}</dd>
        {g.decidedBy && (
          <>
            <dt>Decided by</dt>
            <dd>
              {g.decidedBy}
              {g.decisionReason ? `: ${g.decisionReason}` : ''}
            </dd>
          </>
        )}
        {g.expiresAt && (
          <>
            <dt>Until</dt>
            <dd>{when(g.expiresAt)}</dd>
          </>
        )}
        {g.revokedBy && (
          <>
            <dt>Revoked by</dt>
            <dd>{g.revokedBy}</dd>
          </>
        )}
      </dl>
      {live && (
        <div class="decide grant-actions">
          {g.status === 'pending' && blocked && <p class="blocked">{blocked}</p>}
          <label for={reasonId}>Reason (optional)</label>
          <input
            id={reasonId}
            value={reason}
            disabled={busy}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <div class="buttons">
            {g.status === 'pending' && (
              <>
                <button
                  type="button"
                  class="approve"
                  disabled={!!blocked || busy}
                  onClick={() => run('approve')}
                >
                  Approve
                </button>
                <button type="button" class="deny" disabled={!!blocked || busy} onClick={() => run('deny')}>
                  Deny
                </button>
              </>
            )}
            <button type="button" disabled={busy} onClick={() => run('revoke')}>
              {g.requester === me.subject && g.status === 'pending' ? 'Withdraw' : 'Revoke'}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
