import type { SchemaIssue } from './schema-check.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Upstream entries that will actually run: mappings not marked `disabled: true`. */
export function enabledUpstreams(root: unknown): [string, Obj][] {
  const ups = isObj(root) ? root.upstreams : undefined;
  if (!isObj(ups)) return [];
  return Object.entries(ups).filter((e): e is [string, Obj] => isObj(e[1]) && e[1].disabled !== true);
}

const STDIO_ONLY = ['args', 'env', 'cwd'] as const;
const REMOTE_ONLY = ['transport', 'headers', 'oauth'] as const;

/**
 * Rules JSON Schema can express only cryptically (or not at all): what kind of upstream an entry
 * is, namespace collisions, no-prefix mode. Runs on schema-checked data even when the schema found
 * problems, so a file's errors are all reported together; every check tolerates wrong shapes.
 */
export function checkSemantics(root: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const ups = isObj(root) && isObj(root.upstreams) ? root.upstreams : {};
  for (const [name, up] of Object.entries(ups)) {
    if (!isObj(up)) continue;
    const at = ['upstreams', name];
    const hasCommand = 'command' in up;
    const hasUrl = 'url' in up;
    if (hasCommand && hasUrl) {
      issues.push({
        path: [...at, 'url'],
        message: 'an upstream has either "command" (stdio) or "url" (remote), not both',
      });
    } else if (!hasCommand && !hasUrl) {
      issues.push({ path: at, message: 'missing "command" (stdio upstream) or "url" (remote upstream)' });
    } else if (hasCommand) {
      for (const k of REMOTE_ONLY) {
        if (k in up)
          issues.push({ path: [...at, k], message: `"${k}" applies only to remote upstreams (with "url")` });
      }
    } else {
      for (const k of STDIO_ONLY) {
        if (k in up)
          issues.push({
            path: [...at, k],
            message: `"${k}" applies only to stdio upstreams (with "command")`,
          });
      }
    }
  }

  for (const [name, up] of enabledUpstreams(root)) {
    const oauth = up.oauth;
    if (!isObj(oauth)) continue;
    if (oauth.grant === 'authorization_code') {
      for (const k of ['tokenEndpoint', 'privateKey'].filter((k) => k in oauth)) {
        issues.push({
          path: ['upstreams', name, 'oauth', k],
          message: `"${k}" applies only to grant "client_credentials"`,
        });
      }
      if ('clientSecret' in oauth && !('clientId' in oauth)) {
        issues.push({
          path: ['upstreams', name, 'oauth', 'clientSecret'],
          message: '"clientSecret" needs the "clientId" it belongs to',
        });
      }
      const auth = isObj(root) && isObj(root.auth) ? root.auth : {};
      if (!isObj(auth.upstreamTokens)) {
        issues.push({
          path: ['upstreams', name, 'oauth'],
          message:
            'grant "authorization_code" keeps users\' tokens encrypted: configure auth.upstreamTokens.keyFile',
        });
      } else if (!('publicUrl' in auth.upstreamTokens) && typeof auth.resource !== 'string') {
        issues.push({
          path: ['upstreams', name, 'oauth'],
          message:
            'grant "authorization_code" needs the gateway\'s public origin for its redirect URI: set auth.upstreamTokens.publicUrl or auth.resource',
        });
      }
      const bindingIssue = browserBindingIssue(root);
      if (bindingIssue !== undefined)
        issues.push({ path: ['upstreams', name, 'oauth'], message: bindingIssue });
      continue;
    }
    if ('audience' in oauth && oauth.grant !== 'token_exchange') {
      issues.push({
        path: ['upstreams', name, 'oauth', 'audience'],
        message: '"audience" applies only to grant "token_exchange"',
      });
    }
    if (!('clientId' in oauth)) {
      issues.push({
        path: ['upstreams', name, 'oauth'],
        message: `grant "${String(oauth.grant)}" needs "clientId"`,
      });
    }
    if (oauth.grant === 'token_exchange') {
      if (!('clientSecret' in oauth) || 'privateKey' in oauth) {
        issues.push({
          path: ['upstreams', name, 'oauth'],
          message: 'grant "token_exchange" authenticates the exchange with "clientSecret" (not "privateKey")',
        });
      }
      if (['issuer', 'tokenEndpoint'].filter((k) => k in oauth).length !== 1) {
        issues.push({
          path: ['upstreams', name, 'oauth'],
          message: 'give the authorization server: "issuer" (discovered) or "tokenEndpoint", exactly one',
        });
      }
      continue;
    }
    if ('idleTimeout' in oauth) {
      issues.push({
        path: ['upstreams', name, 'oauth', 'idleTimeout'],
        message:
          '"idleTimeout" applies to per-user grants ("authorization_code", "token_exchange"): a "client_credentials" upstream has one shared connection',
      });
    }
    const servers = ['issuer', 'tokenEndpoint'].filter((k) => k in oauth);
    if (servers.length !== 1) {
      issues.push({
        path: ['upstreams', name, 'oauth'],
        message: 'give the authorization server: "issuer" (discovered) or "tokenEndpoint", exactly one',
      });
    }
    const secrets = ['clientSecret', 'privateKey'].filter((k) => k in oauth);
    if (secrets.length !== 1) {
      issues.push({
        path: ['upstreams', name, 'oauth'],
        message:
          secrets.length === 0
            ? 'give the client\'s credential: "clientSecret" or "privateKey" (private_key_jwt)'
            : 'give one client credential: "clientSecret" or "privateKey", not both',
      });
    }
  }

  const enabled = enabledUpstreams(root);
  const owners = new Map<string, string>();
  for (const [name, up] of enabled) {
    const alias = typeof up.alias === 'string' ? up.alias : undefined;
    const prefix = alias ?? name;
    const other = owners.get(prefix);
    if (other !== undefined) {
      issues.push({
        path: alias === undefined ? ['upstreams', name] : ['upstreams', name, 'alias'],
        message: `namespace prefix "${prefix}" is already used by upstream "${other}"; set a distinct "alias"`,
      });
    } else {
      owners.set(prefix, name);
    }
  }

  const naming = isObj(root) && isObj(root.naming) ? root.naming : {};
  if (naming.prefix === 'none' && enabled.length !== 1) {
    issues.push({
      path: ['naming', 'prefix'],
      message: `"none" requires exactly one enabled upstream (found ${enabled.length})`,
    });
  }
  if (typeof naming.separator === 'string' && /^[a-z0-9-]*$/.test(naming.separator)) {
    issues.push({
      path: ['naming', 'separator'],
      message:
        'must contain a character that cannot appear in an upstream name (such as "_" or "."), or exposed names become ambiguous',
    });
  }
  return issues;
}

/** Checks that need resolved references: URLs whose value came from `${env:…}`. Never quotes the value. */
export function checkResolved(
  root: unknown,
  opts: { upstreams: boolean } = { upstreams: true },
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  // Unresolved upstream references (resolveUpstreamSecrets: false) are not URLs yet.
  for (const [name, up] of opts.upstreams ? enabledUpstreams(root) : []) {
    if (typeof up.url !== 'string') continue;
    if (!isHttpUrl(up.url)) {
      issues.push({
        path: ['upstreams', name, 'url'],
        message: 'must be an absolute http:// or https:// URL',
      });
    }
  }
  const store = isObj(root) && isObj(root.store) ? root.store : {};
  if (typeof store.url === 'string' && !/^postgres(ql)?:\/\/./.test(store.url)) {
    issues.push({ path: ['store', 'url'], message: 'must be a postgres:// or postgresql:// URL' });
  }
  return issues;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * `auth.upstreamTokens.binding: console` (the default) lets only a browser signed in to the console
 * as the same person open an authorization link: that needs the console with OIDC sign-in at the
 * issuer the MCP face trusts (a SAML sign-in cannot prove an OIDC principal). Undefined when fine.
 */
function browserBindingIssue(root: unknown): string | undefined {
  const r = isObj(root) ? root : {};
  const auth = isObj(r.auth) ? r.auth : {};
  const tokens = isObj(auth.upstreamTokens) ? auth.upstreamTokens : {};
  if (tokens.binding === 'none') return undefined;
  const console = isObj(r.console) ? r.console : {};
  if (auth.mode === 'oauth' && isObj(auth.oidc) && console.enabled === true && isObj(console.oidc))
    return undefined;
  return 'grant "authorization_code" hands each person a link that only they may open: enable the console with OIDC sign-in (console.enabled: true, console.oidc, and auth.oidc) so the gateway can check who opens it, or set auth.upstreamTokens.binding: none (a gateway with a single user: anyone holding a link connects their own account)';
}
