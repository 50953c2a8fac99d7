import { createPrivateKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { startIdp, type SigningKey, type TestIdp } from '../../auth/test/fixtures/provider.js';
import { textOf, writeConfig } from './support.js';
import {
  newClient,
  startRecordingUpstream,
  startServe,
  type RecordingUpstream,
  type ServeProcess,
} from './http-support.js';

/** Writes the Ed25519 checkpoint key a Postgres-backed gateway needs next to its config. */
export function writeAuditKey(configPath: string): void {
  writeFileSync(
    join(dirname(configPath), 'audit-signing.pem'),
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
    { mode: 0o600 },
  );
}

/** Anything that can sign RS256: the IdP's own key (as JWK) or a key the IdP never published. */
export type Rs256Signer = Pick<SigningKey, 'privateJwk'> | KeyObject;

/**
 * A compact RS256 JWS over `claims`, built by hand (node:crypto) so a test controls every header
 * and claim — including ones the IdP would never issue (future `nbf`, a foreign `iss`, a `kid`
 * that names another key).
 */
export function signJwt(
  signer: Rs256Signer,
  claims: Record<string, unknown>,
  header: Record<string, unknown>,
): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', typ: 'at+jwt', ...header })}.${b64(claims)}`;
  const key =
    'privateJwk' in signer ? createPrivateKey({ key: signer.privateJwk as never, format: 'jwk' }) : signer;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

/** Claims of a token the gateway should accept (valid for 5 minutes), with `overrides` applied. */
export function goodClaims(
  issuer: string,
  audience: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: audience,
    sub: 'alice',
    scope: 'mcp:tools',
    iat: now,
    exp: now + 300,
    ...overrides,
  };
}

export interface OidcGateway {
  readonly idp: TestIdp;
  readonly gw: ServeProcess;
  /** The gateway's resource identifier (its `/mcp` URL): the audience its tokens must carry. */
  readonly resource: string;
  readonly rec: RecordingUpstream;
  close(): Promise<void>;
}

/**
 * A real oidc-provider, a recording upstream, a Postgres schema and `mcpgate serve` in OAuth mode
 * trusting that provider, with `mcp:tools` required.
 *
 * `jwksCooldown` is 0 here: the tests drive key-set refetches (unknown kid, rotation) faster than
 * the production cooldown would allow; the cooldown itself is covered by the authenticator tests.
 */
export async function startOidcGateway(): Promise<OidcGateway> {
  const idp = await startIdp();
  let db: PgDatabase | undefined;
  let rec: RecordingUpstream | undefined;
  try {
    db = await pgSchema({ prefix: 'mcpgate_tokens' });
    rec = await startRecordingUpstream();
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    idp.jwtResources.add(resource);
    const configPath = writeConfig(`
upstreams:
  rec:
    url: ${rec.url}
# The gateway's own tests exercise transport and identity, not policy (whose default is deny).
policy:
  default: allow
store:
  url: ${db.url}
audit:
  signingKeyFile: ./audit-signing.pem
server:
  port: ${port}
auth:
  mode: oauth
  resource: ${resource}
  oidc:
    issuer: ${idp.issuer}
    requiredScopes: [mcp:tools]
    jwksCooldown: 0
`);
    writeAuditKey(configPath);
    const gw = await startServe(configPath);
    const [dbRef, recRef] = [db, rec];
    return {
      idp,
      gw,
      resource,
      rec,
      close: async () => {
        await gw.stop('SIGKILL');
        await recRef.close();
        await idp.close();
        await dbRef.drop();
      },
    };
  } catch (err) {
    await rec?.close();
    await idp.close();
    await db?.drop();
    throw err;
  }
}

/** A full MCP round trip (connect, `tools/call rec__echo`) of a client holding `token`. */
export async function echoWith(
  gatewayUrl: string,
  token: string,
  text: string,
  era: 'legacy' | 'modern' = 'legacy',
): Promise<string> {
  const client = newClient(era);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  try {
    return textOf(await client.callTool({ name: 'rec__echo', arguments: { text } }));
  } finally {
    await client.close();
  }
}
