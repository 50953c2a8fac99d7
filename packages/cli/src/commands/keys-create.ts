import { userInfo } from 'node:os';
import type { Store } from '@mcpgate/audit';
import { openStore } from '@mcpgate/audit';
import { requireDuration } from '@mcpgate/config';
import { apiKeyJson, createApiKey } from '@mcpgate/auth';
import { findConfigPath, formatIssue, loadConfig, type GatewayConfig } from '@mcpgate/config';
import { str, UsageError, type Command, type CommandContext } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';

/** Loads the config and opens its store for the `keys` commands (shared by keys-list and keys-revoke). */
export async function withKeyStore(
  ctx: CommandContext,
  fn: (store: Store, config: GatewayConfig) => Promise<number>,
  /** Checked before the store is opened; returns an error message to refuse with. */
  precheck?: (config: GatewayConfig) => string | undefined,
): Promise<number> {
  const found = findConfigPath({ flag: str(ctx.values, 'config'), env: ctx.env, cwd: ctx.cwd });
  if (!found.ok) {
    ctx.stderr.write(`mcpgate keys: ${found.message}\n`);
    return 1;
  }
  // Key management starts no upstream: their secrets stay unresolved (and unneeded).
  const loaded = await loadConfig({
    path: found.path,
    env: ctx.env,
    cwd: ctx.cwd,
    resolveUpstreamSecrets: false,
  });
  if (!loaded.ok) {
    for (const e of loaded.errors) ctx.stderr.write(`${formatIssue(found.path, e)}\n`);
    return 1;
  }
  const refusal = precheck?.(loaded.config);
  if (refusal !== undefined) {
    ctx.stderr.write(`mcpgate keys: ${refusal}\n`);
    return 1;
  }
  const store = await openStore(loaded.config.store, { baseDir: loaded.config.baseDir });
  try {
    return await fn(store, loaded.config);
  } finally {
    await store.close();
  }
}

/** The key's JSON shape (shared with the admin API the console uses). */
export const keyJson = apiKeyJson;

export const keysCreateCommand: Command = {
  name: 'keys create',
  summary: 'create an API key for a service account (printed once)',
  help: [
    'Usage: mcpgate keys create --name NAME [--groups G1,G2] [--expires 90d] [--config FILE] [--format table|json|jsonl]',
    '',
    'Creates a key "mcpg_<id>_<secret>" and prints it once on stdout; only an HMAC of the secret is',
    'stored (keyed by auth.apiKeys.pepper, which must be set in the config). The caller authenticates',
    'as subject "key:NAME" with the given groups, sending the key as "Authorization: Bearer <key>" or',
    '"X-API-Key: <key>". --expires takes a number and one of s, m, h, d, w, y; without it the key does',
    'not expire. Several live keys may share a name (rotation): create the new one, deploy it, then',
    'revoke the old one by --id.',
  ].join('\n'),
  options: {
    name: { type: 'string' },
    groups: { type: 'string' },
    expires: { type: 'string' },
    config: { type: 'string', short: 'c' },
    ...FORMAT_OPTIONS,
  },
  run(ctx) {
    const format = outputFormat(ctx);
    const name = str(ctx.values, 'name');
    if (!name) throw new UsageError('--name is required');
    const groups = (str(ctx.values, 'groups') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    const expires = str(ctx.values, 'expires');
    const expiresInMs = expires === undefined ? undefined : requireDuration(expires);
    return withKeyStore(
      ctx,
      async (store, config) => {
        if (!config.auth.apiKeys.enabled) {
          ctx.stderr.write(
            'warning: auth.apiKeys.enabled is false in this config; the gateway will not accept the key until it is enabled\n',
          );
        }
        const { key, record } = await createApiKey(store, config.auth.apiKeys.pepper, {
          name,
          groups,
          ...(expiresInMs !== undefined && { expiresInMs }),
          createdBy: `local:${userInfo().username}`,
        });
        if (format !== 'table') {
          ctx.stdout.write(structuredText(format, { key, ...keyJson(record) }));
        } else {
          ctx.stdout.write(`${key}\n`);
          const until = record.expiresAt ? `expires ${record.expiresAt.toISOString()}` : 'does not expire';
          ctx.stderr.write(
            `created API key ${record.id} for "key:${record.name}" (groups: ${record.groups.join(', ') || 'none'}; ${until}).\n` +
              'Store it now: it cannot be shown again.\n',
          );
        }
        return 0;
      },
      (config) =>
        config.auth.apiKeys.pepper === undefined || config.auth.apiKeys.pepper.length < 32
          ? 'auth.apiKeys.pepper must be set (at least 32 characters, e.g. ${env:MCPGATE_API_KEY_PEPPER}) to create API keys'
          : undefined,
    );
  },
};
