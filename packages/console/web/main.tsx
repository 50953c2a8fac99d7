import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, loginUrl, setCsrfToken, type Me } from './api.js';
import { onLinkClick, useLocation } from './router.js';
import { ApprovalsPage } from './pages/approvals.js';
import { SessionsPage } from './pages/sessions.js';
import { AuditPage } from './pages/audit.js';
import { AccessPage } from './pages/access.js';
import { OverviewPage } from './pages/overview.js';
import { ConnectionsPage } from './pages/connections.js';

function App() {
  const [me, setMe] = useState<Me | undefined>();
  const [error, setError] = useState<string | undefined>();
  const url = useLocation();

  useEffect(() => {
    api<Me>('/admin/console/me')
      .then((m) => {
        setCsrfToken(m.csrfToken);
        setMe(m);
      })
      .catch((err: unknown) => {
        // Not signed in (or the session ended): go to the IdP and come back to this very page.
        if (err instanceof ApiError && err.status === 401) {
          if (location.pathname.startsWith('/console/signed-out')) setError('signed-out');
          else location.assign(loginUrl());
        } else setError(err instanceof Error ? err.message : String(err));
      });
  }, []);

  if (error === 'signed-out')
    return (
      <main class="page">
        <h1>Signed out</h1>
        <p>
          You are signed out of the mcpgate console. <a href="/console/auth/login">Sign in again</a>
        </p>
      </main>
    );
  if (error)
    return (
      <main class="page">
        <p role="alert">The console could not load: {error}</p>
      </main>
    );
  if (!me)
    return (
      <main class="page">
        <p>
          Signing in… <a href={loginUrl()}>Sign in</a>
        </p>
      </main>
    );

  const signOut = async () => {
    await api('/console/auth/logout', { method: 'POST' });
    location.assign('/console/signed-out');
  };
  const path = url.pathname;
  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/console/approvals">
          mcpgate
        </a>
        <nav aria-label="Console">
          <a
            href="/console/approvals"
            aria-current={path.startsWith('/console/approvals') ? 'page' : undefined}
          >
            Approvals
          </a>
          <a
            href="/console/sessions"
            aria-current={path.startsWith('/console/sessions') ? 'page' : undefined}
          >
            Sessions
          </a>
          {me.roles.auditor && (
            <a href="/console/audit" aria-current={path.startsWith('/console/audit') ? 'page' : undefined}>
              Audit
            </a>
          )}
          <a href="/console/access" aria-current={path.startsWith('/console/access') ? 'page' : undefined}>
            Access
          </a>
          <a
            href="/console/connections"
            aria-current={path.startsWith('/console/connections') ? 'page' : undefined}
          >
            Connections
          </a>
          {(me.roles.auditor || me.roles.admin) && (
            <a
              href="/console/overview"
              aria-current={path.startsWith('/console/overview') ? 'page' : undefined}
            >
              Overview
            </a>
          )}
        </nav>
        <div class="who">
          <span title={me.groups.join(', ')}>{me.name ?? me.subject}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        {path.startsWith('/console/signed-out') ? (
          <p>You are signed out.</p>
        ) : path.startsWith('/console/audit') ? (
          <AuditPage url={url} />
        ) : path.startsWith('/console/access') ? (
          <AccessPage me={me} url={url} />
        ) : path.startsWith('/console/connections') ? (
          <ConnectionsPage me={me} />
        ) : path.startsWith('/console/overview') ? (
          <OverviewPage me={me} url={url} />
        ) : path.startsWith('/console/sessions') ? (
          <SessionsPage me={me} url={url} />
        ) : (
          <ApprovalsPage me={me} url={url} />
        )}
      </main>
    </div>
  );
}

const root = document.getElementById('app')!;
// The static "Loading…" text is for the moment before this script runs; Preact appends, so clear it.
root.textContent = '';
render(<App />, root);
