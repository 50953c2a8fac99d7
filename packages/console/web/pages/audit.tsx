import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate } from '../router.js';

interface CallItem {
  correlationId: string;
  sessionId: string | null;
  requestedAt: string;
  subject: string | null;
  method: string | null;
  upstream: string | null;
  target: string | null;
  decision: string | null;
  outcome: string | null;
}

interface Evidence {
  chains: Array<{
    chainId: string;
    headSeq: number | null;
    headAt: string | null;
    checkpointSeq: number | null;
    checkpointAt: string | null;
    signer: string | null;
  }>;
  lastVerify: { ts: string; subject: string | null } | null;
  reads: Array<{ ts: string; subject: string | null; action: unknown; filters: unknown }>;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

export function AuditPage({ url }: { url: URL }) {
  const [calls, setCalls] = useState<CallItem[] | undefined>();
  const [evidence, setEvidence] = useState<Evidence | undefined>();
  const [error, setError] = useState<string | undefined>();
  const query = url.search;
  useEffect(() => {
    setError(undefined);
    api<{ items: CallItem[] }>(`/admin/audit/calls${query}`)
      .then((r) => setCalls(r.items))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [query]);
  useEffect(() => {
    api<Evidence>('/admin/audit/evidence')
      .then(setEvidence)
      .catch(() => undefined);
  }, []);
  const range = new URLSearchParams();
  for (const k of ['from', 'to']) {
    const v = url.searchParams.get(k);
    if (v) range.set(k, v);
  }
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const q = new URLSearchParams();
          for (const k of ['text', 'from', 'to']) {
            const raw = data.get(k);
            const v = typeof raw === 'string' ? raw.trim() : '';
            if (v) q.set(k, k === 'text' ? v : new Date(v).toISOString());
          }
          navigate(`/console/audit${q.size ? `?${q}` : ''}`);
        }}
      >
        <label>
          Search arguments and results
          <input name="text" type="search" defaultValue={url.searchParams.get('text') ?? ''} />
        </label>
        <label>
          From
          <input name="from" type="datetime-local" />
        </label>
        <label>
          To
          <input name="to" type="datetime-local" />
        </label>
        <button type="submit">Search</button>
      </form>
      <p class="downloads">
        Download {range.size ? 'this time range' : 'the whole trail'}:{' '}
        <a href={`/admin/audit/export?format=jsonl${range.size ? `&${range}` : ''}`} download>
          JSONL
        </a>{' '}
        ·{' '}
        <a href={`/admin/audit/export?format=csv${range.size ? `&${range}` : ''}`} download>
          CSV
        </a>{' '}
        <span class="hint">(verify offline: mcpgate audit verify --file FILE)</span>
      </p>
      {error && <p role="alert">{error}</p>}
      {calls && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Matching calls</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">User</th>
                <th scope="col">Call</th>
                <th scope="col">Decision</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {calls.map((c) => (
                <tr key={c.correlationId} data-call={c.correlationId}>
                  <td>
                    {c.sessionId ? (
                      <a href={`/console/sessions/${encodeURIComponent(c.sessionId)}`}>
                        {when(c.requestedAt)}
                      </a>
                    ) : (
                      when(c.requestedAt)
                    )}
                  </td>
                  <td>{c.subject ?? '—'}</td>
                  <td>
                    {c.method} {c.upstream ? `${c.upstream} / ` : ''}
                    {c.target}
                  </td>
                  <td>{c.decision ?? '—'}</td>
                  <td>{c.outcome ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {calls.length === 0 && <p class="empty">No calls match.</p>}
        </div>
      )}
      {evidence && (
        <>
          <h2>Evidence</h2>
          <p>
            Last verification:{' '}
            {evidence.lastVerify
              ? `${when(evidence.lastVerify.ts)} by ${evidence.lastVerify.subject ?? '?'}`
              : 'never (run mcpgate audit verify)'}
          </p>
          <div class="table-wrap">
            <table>
              <caption>Chains and signed checkpoints</caption>
              <thead>
                <tr>
                  <th scope="col">Chain</th>
                  <th scope="col">Records</th>
                  <th scope="col">Signed through</th>
                  <th scope="col">Signer (Ed25519 public key)</th>
                </tr>
              </thead>
              <tbody>
                {evidence.chains.map((c) => (
                  <tr key={c.chainId}>
                    <td>
                      <code>{c.chainId}</code>
                    </td>
                    <td>{c.headSeq ?? 0}</td>
                    <td>
                      {c.checkpointSeq === null
                        ? 'not yet signed'
                        : `${c.checkpointSeq} (${when(c.checkpointAt)})${c.checkpointSeq === c.headSeq ? ' — all' : ''}`}
                    </td>
                    <td>
                      <code class="key">{c.signer ? `${c.signer.slice(0, 16)}…` : '—'}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Who read the trail</h2>
          <ol class="reads">
            {evidence.reads.map((r, i) => (
              <li key={i}>
                {when(r.ts)} — {r.subject ?? '?'}: {String(r.action)} {JSON.stringify(r.filters)}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
