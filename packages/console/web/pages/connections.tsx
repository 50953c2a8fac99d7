import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api.js';
import { message, when } from '../format.js';

/** A connection as the API lists it: who, where, scope and lifetime — never a token. */
interface Connection {
  subject: string;
  upstream: string;
  scope: string | null;
  expiresAt: string | null;
  createdAt: string;
  refreshedAt: string | null;
}

type Mine = { upstream: string; connected: false } | (Connection & { connected: true });

/**
 * Upstream connections (per-user OAuth upstreams): the signed-in person's state for each such
 * upstream, with Connect (the same `/oauth/start` link a tool call hands out) and Disconnect;
 * admins also see and revoke everyone's.
 */
export function ConnectionsPage({ me }: { me: Me }) {
  const [mine, setMine] = useState<Mine[] | undefined>();
  const [all, setAll] = useState<Connection[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();

  const reload = useCallback(() => {
    api<{ items: Mine[] }>('/admin/oauth/connections/upstreams')
      .then((r) => {
        setMine(r.items);
        setError(undefined);
      })
      .catch(setError);
    if (me.roles.admin)
      api<{ items: Connection[] }>('/admin/oauth/connections')
        .then((r) => setAll(r.items))
        .catch(setError);
  }, [me.roles.admin]);
  useEffect(reload, [reload]);

  const connect = (upstream: string) => {
    setBusy(upstream);
    api<{ url: string }>('/admin/oauth/connections/connect', { method: 'POST', body: { upstream } })
      .then((r) => location.assign(r.url))
      .catch((err: unknown) => {
        setOutcome(`Connecting ${upstream} failed: ${message(err)}`);
        setBusy(undefined);
      });
  };
  const revoke = (c: { subject: string; upstream: string }) => {
    setBusy(`${c.subject}\0${c.upstream}`);
    api('/admin/oauth/connections/revoke', { method: 'POST', body: c })
      .then(() => {
        setOutcome(
          c.subject === me.subject
            ? `Disconnected ${c.upstream}.`
            : `Revoked the connection of ${c.subject} to ${c.upstream}.`,
        );
        reload();
      })
      .catch((err: unknown) => setOutcome(`Revoking failed: ${message(err)}`))
      .finally(() => setBusy(undefined));
  };

  if (error instanceof ApiError && error.status === 404)
    return (
      <>
        <h1>Connections</h1>
        <p class="empty">No upstream of this gateway is authorized per person.</p>
      </>
    );
  return (
    <>
      <h1>Connections</h1>
      <p class="hint">
        Upstreams that act on your behalf with your own account there. Connect signs you in at the upstream's
        authorization server; the gateway keeps the tokens encrypted and never shows them.
      </p>
      {error !== undefined && <p role="alert">{message(error)}</p>}
      {outcome && (
        <p role="status" class="outcome">
          {outcome}
        </p>
      )}
      {mine && mine.length === 0 && (
        <p class="empty">No upstream of this gateway is authorized per person.</p>
      )}
      {mine && mine.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Your upstream connections</caption>
            <thead>
              <tr>
                <th scope="col">Upstream</th>
                <th scope="col">Status</th>
                <th scope="col">Scope</th>
                <th scope="col">Token expires</th>
                <th scope="col">Connected</th>
                <th scope="col">
                  <span class="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {mine.map((c) => (
                <tr key={c.upstream}>
                  <th scope="row">{c.upstream}</th>
                  <td>
                    <span class={`badge ${c.connected ? 'ready' : 'pending'}`}>
                      {c.connected ? 'connected' : 'not connected'}
                    </span>
                  </td>
                  <td>{c.connected ? (c.scope ?? '—') : '—'}</td>
                  <td>{c.connected ? when(c.expiresAt) : '—'}</td>
                  <td>{c.connected ? when(c.createdAt) : '—'}</td>
                  <td>
                    {c.connected ? (
                      <button
                        type="button"
                        disabled={busy !== undefined}
                        onClick={() => revoke({ subject: me.subject, upstream: c.upstream })}
                      >
                        Disconnect {c.upstream}
                      </button>
                    ) : (
                      <button type="button" disabled={busy !== undefined} onClick={() => connect(c.upstream)}>
                        Connect {c.upstream}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {me.roles.admin && all && (
        <>
          <h2>Everyone's connections</h2>
          {all.length === 0 && <p class="empty">Nobody has connected an upstream.</p>}
          {all.length > 0 && (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Everyone's upstream connections</caption>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Upstream</th>
                    <th scope="col">Scope</th>
                    <th scope="col">Token expires</th>
                    <th scope="col">Refreshed</th>
                    <th scope="col">
                      <span class="sr-only">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {all.map((c) => (
                    <tr key={`${c.subject}\0${c.upstream}`}>
                      <td>{c.subject}</td>
                      <td>{c.upstream}</td>
                      <td>{c.scope ?? '—'}</td>
                      <td>{when(c.expiresAt)}</td>
                      <td>{when(c.refreshedAt)}</td>
                      <td>
                        <button type="button" disabled={busy !== undefined} onClick={() => revoke(c)}>
                          Revoke {c.subject} / {c.upstream}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
