import type { OptionConfig } from './command.js';

/**
 * Descriptions `--help` prints for flags that mean the same thing in every command, so each
 * command need not repeat them. A command's own `description` on an option wins; a flag whose
 * meaning depends on the command is listed under that command in BY_COMMAND.
 * packages/cli/test/cli-docs.test.ts fails when any option of any command has no description.
 */
const COMMON: Record<string, string> = {
  config: 'config file (default: $MCPGATE_CONFIG, else ./mcpgate.yaml)',
  json: 'deprecated: same as --format json',
  format: 'output format: table (default), json or jsonl',
  width: 'table width in columns (default: the terminal, else 80)',
  'log-level': 'log level: trace, debug, info, warn, error (default: logging.level)',
  since: 'only records newer than this duration (30m, 24h, 7d)',
  from: 'only records at or after this ISO date or time',
  to: 'only records before this ISO date or time',
  limit: 'at most this many results',
  user: 'only this caller (subject, e.g. oidc:alice)',
  upstream: 'upstream name or alias',
  tool: "tool name (the upstream's own; a glob where the command takes one)",
  reason: 'why (recorded in the audit trail and shown to the requester)',
  url: "the gateway's base URL, to act through its admin API instead of the local store",
  'as-groups': 'act with these groups (comma separated; local mode only)',
  all: 'include everything, not only the default selection',
  groups: 'groups, comma separated',
  port: 'TCP port',
};

const BY_COMMAND: Record<string, Record<string, string>> = {
  'oauth connections list': {
    user: "only this user's connections (subject; other users' need console.roles.admin)",
  },
  'oauth connections revoke': {
    user: "whose connection (subject; default: yours; another user's needs console.roles.admin)",
    upstream: 'the per-user OAuth upstream to revoke the connection to',
  },
  serve: {
    host: 'address to listen on (default server.host, 127.0.0.1)',
    port: 'port to listen on (default server.port, 8080)',
    workers: 'processes on the port: N or auto, one per CPU (default server.workers)',
  },
  connect: {
    'api-key-env': 'read an API key from this environment variable instead of the login cache',
    'no-step-up': 'on 403 insufficient_scope, name the scope to log in with instead of logging in again',
  },
  'keys create': {
    name: 'service account name (the caller becomes key:NAME)',
    groups: "the key's groups, comma separated",
    expires: 'lifetime, e.g. 90d (default: no expiry)',
  },
  'keys list': { all: 'include revoked keys' },
  'keys revoke': { id: 'revoke the key with this id', name: 'revoke every live key of this name' },
  login: {
    device: 'use the device authorization grant (no browser on this machine)',
    'client-id': 'public client id registered for mcpgate at the IdP (default: $MCPGATE_CLIENT_ID)',
    scope: 'OAuth scopes to ask for',
    'no-browser': 'print the login URL instead of opening a browser',
    port: 'fixed loopback port for the redirect',
    'client-secret-env': "read a pre-registered client's secret from this environment variable",
    'client-metadata-url': 'client id metadata document URL (default: $MCPGATE_CLIENT_METADATA_URL)',
  },
  'seal-keygen': { out: 'directory to write seal-public.pem and seal-private.pem into' },
  'audit unseal': {
    blob: 'open this sealed blob or exported record file offline (not recorded)',
    key: 'X25519 private key file from `mcpgate seal-keygen`',
    arguments: 'open the sealed request arguments instead of the result',
    'expect-correlation': 'with --blob: the correlation id the blob must belong to',
  },
  'policy explain': {
    as: 'the caller subject, e.g. oidc:alice or key:ci',
    groups: "the caller's groups, comma separated",
    'auth-method': 'how the caller authenticated: oidc, api_key or local',
    'key-name': "the API key's name (for key callers)",
    tool: "tool name: the upstream's own with --upstream, or namespaced (fs__read_file)",
    prompt: 'prompt name instead of a tool',
    resource: 'resource URI instead of a tool',
    method: 'MCP method (default: tools/call, prompts/get or resources/read)',
    args: 'call arguments as JSON',
    at: 'evaluate at this ISO time (time-window rules)',
    steps: 'print the chain steps in the order they run',
  },
  'access request': {
    tool: 'only tools matching this glob (default: the whole upstream)',
    duration: 'how long the grant lasts once approved, e.g. 30m',
  },
  'access list': { all: 'include ended grants', mine: 'only my own requests and grants' },
  'approvals list': {
    status: 'pending (default), approved, denied, expired or all',
    all: 'every status',
    requester: 'only requests by this subject',
    cursor: 'continue after this cursor (from the previous page)',
  },
  'tools approve': { all: 'accept every changed or new tool' },
  'audit verify': {
    file: 'verify an export file offline (no database)',
    key: 'accept only the signer public key(s) in this file',
    proof: 'verify a proof file from `mcpgate audit prove` offline',
    witness: 'also check the database against witnessed checkpoints (file, URL or s3://)',
    report: 'verify an evidence pack from `mcpgate audit report` offline',
  },
  'audit prove': {
    consistency: 'prove checkpoint CHAIN/SEQ consistent with a later one (SEQ or latest)',
    out: 'file to write the proof to (default: stdout)',
  },
  'audit report': { out: 'new or empty directory to write the evidence pack into' },
  'audit query': {
    group: 'only callers in this group',
    decision: 'only this policy decision (allow, deny, require_approval, ...)',
    outcome: 'only this outcome: ok, tool_error, an error code, or unknown',
    session: 'only this session id',
    text: 'words to find in recorded arguments and results',
  },
  'audit replay': { format: 'text (default) or jsonl' },
  'audit export': { format: 'jsonl (default) or csv', out: 'file to write' },
  'audit purge': {
    before: 'cutoff ISO date (default: now minus audit.retention)',
    'dry-run': 'show what would be removed',
  },
};

/** The sentence `--help` prints for `--name` of command `command`. */
export function describeOption(command: string, name: string, option: OptionConfig): string {
  return option.description ?? BY_COMMAND[command]?.[name] ?? COMMON[name] ?? '';
}
