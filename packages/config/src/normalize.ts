import { resolve } from 'node:path';
import type { UpstreamOAuthSpec, UpstreamSpec } from '@mcpgate/core';
import { parseDuration } from './duration.js';
import { NORMALIZE } from './schema/common.js';
import { configSchema } from './schema/root.js';
import type { NamingSection } from './schema/naming.js';
import type { UpstreamOAuthSection, UpstreamSection } from './schema/upstreams.js';
import { enabledUpstreams } from './semantic.js';
import type { GatewayConfig } from './types.js';

type Obj = Record<string, unknown>;
type SchemaNode = Record<string | symbol, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Rewrites, in place, every value whose schema is marked by `duration()` (→ milliseconds) or
 * `filePath()` (→ absolute path), in any section. Follows `properties`, `additionalProperties` and
 * `items`; combinators (anyOf/oneOf/allOf) and `$ref` are not followed, so marked keys must be
 * reachable through those keywords.
 */
export function applyMarks(schema: unknown, value: unknown, baseDir: string | undefined): unknown {
  if (!isObj(schema)) return value;
  const s: SchemaNode = schema;
  const mark = s[NORMALIZE];
  if (mark === 'duration' && (typeof value === 'string' || typeof value === 'number')) {
    return parseDuration(value) ?? value;
  }
  // Without a base directory (in-code sections, withSectionDefaults) paths stay as given.
  if (mark === 'path' && typeof value === 'string' && baseDir !== undefined) return resolve(baseDir, value);
  if (Array.isArray(value)) {
    if (isObj(s.items)) value.forEach((v, i) => (value[i] = applyMarks(s.items, v, baseDir)));
    return value;
  }
  if (isObj(value)) {
    const props = isObj(s.properties) ? s.properties : {};
    for (const key of Object.keys(value)) {
      const sub = Object.hasOwn(props, key) ? props[key] : s.additionalProperties;
      value[key] = applyMarks(sub, value[key], baseDir);
    }
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** `upstreams.<name>.oauth.idleTimeout` when not set: a user's connection idle this long closes. */
const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;

function oauthSpec(o: UpstreamOAuthSection, url: string): UpstreamOAuthSpec {
  const scopes = [...(o.scopes ?? [])];
  const resource = o.resource ?? url;
  if (o.grant === 'authorization_code') {
    return {
      grant: 'authorization_code',
      ...(o.issuer !== undefined && { issuer: o.issuer }),
      ...(o.clientId !== undefined && { clientId: o.clientId }),
      ...(o.clientSecret !== undefined && { clientSecret: o.clientSecret }),
      scopes,
      resource,
      idleTimeoutMs: o.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS,
    };
  }
  if (o.grant === 'token_exchange') {
    // The semantic checks guarantee the client and its secret.
    return {
      grant: 'token_exchange',
      ...(o.issuer !== undefined && { issuer: o.issuer }),
      ...(o.tokenEndpoint !== undefined && { tokenEndpoint: o.tokenEndpoint }),
      clientId: o.clientId!,
      clientSecret: o.clientSecret!,
      scopes,
      resource,
      ...(o.audience !== undefined && { audience: o.audience }),
      idleTimeoutMs: o.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS,
    };
  }
  // The semantic checks guarantee a client id for client credentials.
  const { audience: _unused, idleTimeout: _none, ...service } = o;
  return { ...service, grant: 'client_credentials', clientId: o.clientId!, scopes, resource };
}

function toSpec(name: string, up: UpstreamSection, limits: GatewayConfig['limits']): UpstreamSpec {
  const stdio = up.command !== undefined;
  return {
    name,
    prefix: up.alias ?? name,
    transport: stdio ? 'stdio' : (up.transport ?? 'streamable-http'),
    ...(up.command === undefined ? {} : { command: up.command }),
    args: [...(up.args ?? [])],
    env: { ...up.env },
    ...(up.cwd === undefined ? {} : { cwd: up.cwd }),
    ...(up.url === undefined ? {} : { url: up.url }),
    headers: { ...up.headers },
    ...(up.oauth === undefined || up.url === undefined ? {} : { oauth: oauthSpec(up.oauth, up.url) }),
    sharing: up.sharing,
    era: up.era,
    requestTimeoutMs: up.requestTimeout,
    startTimeoutMs: up.startTimeout,
    restart: {
      maxRestarts: up.restart.maxRestarts,
      initialDelayMs: up.restart.initialDelay,
      maxDelayMs: up.restart.maxDelay,
    },
    maxMessageBytes: limits.maxMessageBytes,
    maxJsonDepth: limits.maxJsonDepth,
  };
}

/** Builds the frozen GatewayConfig from data that passed every check and had its references resolved. */
export function buildConfig(data: Obj, baseDir: string): GatewayConfig {
  applyMarks(configSchema, data, baseDir);
  const section = <T>(name: string): T => (data[name] ?? {}) as T;
  const limits = section<GatewayConfig['limits']>('limits');
  const naming = section<NamingSection>('naming');
  const upstreams = enabledUpstreams(data).map(([name, up]) =>
    toSpec(name, up as unknown as UpstreamSection, limits),
  );
  return deepFreeze<GatewayConfig>({
    baseDir,
    upstreams,
    naming: { separator: naming.separator, noPrefix: naming.prefix === 'none' },
    limits,
    logging: section('logging'),
    store: section('store'),
    audit: section('audit'),
    server: section('server'),
    auth: section('auth'),
    policy: section('policy'),
    masking: section('masking'),
    approvals: section('approvals'),
    console: section('console'),
    tracing: section('tracing'),
  });
}
