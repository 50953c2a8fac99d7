import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api.js';
import { message, when } from '../format.js';

interface ApiKey {
  id: string;
  name: string;
  groups: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdBy: string | null;
}

/** Shown when the server refuses a non-admin: the page says so instead of an empty table. */
export function AdminOnly({ what, err }: { what: string; err: ApiError }) {
  return (
    <div class="refused" role="alert">
      <p>
        <strong>{what} is for admins.</strong> Members of the groups in <code>console.roles.admin</code> see
        it; ask one of them.
      </p>
      <p class="hint">
        The server answered {err.status}: {err.message}
      </p>
    </div>
  );
}

export function KeysSection({ me }: { me: Me }) {
  const [items, setItems] = useState<ApiKey[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [all, setAll] = useState(false);
  const [created, setCreated] = useState<{ key: string; apiKey: ApiKey; warning?: string } | undefined>();
  const [outcome, setOutcome] = useState<string | undefined>();
  const reload = useCallback(() => {
    api<{ items: ApiKey[] }>(`/admin/keys${all ? '?all=1' : ''}`)
      .then((r) => {
        setItems(r.items);
        setError(undefined);
      })
      .catch(setError);
  }, [all]);
  useEffect(reload, [reload]);

  if (error instanceof ApiError && error.status === 403)
    return <AdminOnly what="Managing API keys" err={error} />;
  return (
    <>
      <h2 id="create-key-title">Create an API key</h2>
      <p class="hint">
        For a service account: it authenticates as <code>key:NAME</code> with the groups you give it. The key
        is shown once, here; only a keyed hash is stored.
      </p>
      {created ? (
        <div class="once" role="status" aria-live="polite">
          <p>
            <strong>Copy the key for key:{created.apiKey.name} now — it will not be shown again.</strong>
          </p>
          <label>
            New API key
            <input class="secret" readOnly value={created.key} onFocus={(e) => e.currentTarget.select()} />
          </label>
          {created.warning && <p class="blocked">{created.warning}</p>}
          <div class="buttons">
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard?.writeText(created.key).then(
                  () => setOutcome('Copied.'),
                  () => setOutcome('Copying failed: select the key and copy it yourself.'),
                );
              }}
            >
              Copy
            </button>
            <button type="button" onClick={() => setCreated(undefined)}>
              I stored it — hide the key
            </button>
          </div>
        </div>
      ) : (
        <CreateKeyForm
          onCreated={(c) => {
            setCreated(c);
            reload();
          }}
        />
      )}
      {outcome && (
        <p role="status" class="outcome">
          {outcome}
        </p>
      )}
      <div class="title-row">
        <h2>API keys</h2>
        <label class="inline">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Show
          revoked
        </label>
      </div>
      {error !== undefined && <p role="alert">{message(error)}</p>}
      {items && items.length === 0 && <p class="empty">No API keys.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Groups</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((k) => (
                <KeyRow
                  key={k.id}
                  k={k}
                  me={me}
                  onRevoked={(text) => {
                    setOutcome(text);
                    reload();
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function CreateKeyForm({
  onCreated,
}: {
  onCreated: (c: { key: string; apiKey: ApiKey; warning?: string }) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  return (
    <form
      class="form-grid"
      aria-labelledby="create-key-title"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        const field = (k: string) => {
          const v = data.get(k);
          return typeof v === 'string' ? v.trim() : '';
        };
        setBusy(true);
        setError(undefined);
        api<{ key: string; apiKey: ApiKey; warning?: string }>('/admin/keys', {
          method: 'POST',
          body: {
            name: field('name'),
            groups: field('groups'),
            ...(field('expires') && { expires: field('expires') }),
          },
        })
          .then(onCreated)
          .catch((err: unknown) => setError(message(err)))
          .finally(() => setBusy(false));
      }}
    >
      <label>
        Name
        <input name="name" required autoComplete="off" placeholder="ci-deployer" />
      </label>
      <label>
        Groups (comma-separated)
        <input name="groups" autoComplete="off" placeholder="ci, deployers" />
      </label>
      <label>
        Expires after (optional)
        <input name="expires" autoComplete="off" placeholder="90d" />
      </label>
      <div class="buttons">
        <button type="submit" disabled={busy}>
          Create key
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

function KeyRow({ k, onRevoked }: { k: ApiKey; me: Me; onRevoked: (text: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const revoke = () => {
    setBusy(true);
    api(`/admin/keys/${encodeURIComponent(k.id)}/revoke`, { method: 'POST', body: {} })
      .then(() => onRevoked(`Revoked ${k.id} (key:${k.name}).`))
      .catch((err: unknown) => onRevoked(`Refused: ${message(err)}`))
      .finally(() => {
        setBusy(false);
        setConfirming(false);
      });
  };
  return (
    <tr data-key={k.id}>
      <td>key:{k.name}</td>
      <td>
        <code>{k.id}</code>
      </td>
      <td>{k.groups.join(', ') || '—'}</td>
      <td>
        {when(k.createdAt)}
        {k.createdBy ? ` by ${k.createdBy}` : ''}
      </td>
      <td>{k.expiresAt ? when(k.expiresAt) : 'never'}</td>
      <td>{when(k.lastUsedAt)}</td>
      <td>
        {k.revokedAt ? (
          `revoked ${when(k.revokedAt)}`
        ) : confirming ? (
          <span class="buttons">
            <button type="button" class="deny" disabled={busy} onClick={revoke}>
              Revoke key:{k.name} now
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button
            type="button"
            aria-label={`Revoke key:${k.name} (${k.id})`}
            onClick={() => setConfirming(true)}
          >
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}
