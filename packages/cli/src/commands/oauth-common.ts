import { homedir } from 'node:os';
import { defaultTokenStorePath, getAccessToken, TokenStore } from '@mcpgate/auth';
import { str, UsageError, type CommandContext, type OptionSpec } from '../command.js';
import { FORMAT_OPTIONS } from '../runtime/table.js';

/** Flags of every `oauth connections` subcommand. */
export const OAUTH_OPTIONS: OptionSpec = {
  url: { type: 'string' },
  ...FORMAT_OPTIONS,
};

export const OAUTH_MODE_HELP = [
  "Talks to the gateway's admin API (--url URL, the gateway URL you logged in to with",
  '`mcpgate login URL`) as you, with your own token or $MCPGATE_TOKEN (e.g. an API key): the',
  'gateway process holds the connections, closes revoked ones and audits every revocation.',
  "Everyone sees and revokes their own; members of console.roles.admin groups everyone's.",
];

export type ConnectionJson = Record<string, string | null>;

/** One admin API request as the caller; a refusal becomes an error naming the status and reason. */
export async function oauthApi(
  ctx: CommandContext,
  path: string,
  body?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const url = str(ctx.values, 'url');
  if (url === undefined) throw new UsageError('give --url URL (the gateway the connections live in)');
  const envToken = ctx.env.MCPGATE_TOKEN;
  const store = new TokenStore(defaultTokenStorePath(ctx.env, homedir()));
  const token = envToken ?? (await getAccessToken({ gatewayUrl: url, store }));
  const res = await fetch(new URL(path, new URL(url).origin), {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    // not JSON: the status says enough
  }
  if (!res.ok) {
    const err = json.error as { message?: string } | string | undefined;
    const why = typeof err === 'string' ? err : (err?.message ?? `HTTP ${res.status}`);
    throw new Error(`${url} refused: ${why} (HTTP ${res.status})`);
  }
  return json;
}
