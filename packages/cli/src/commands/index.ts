import type { Command } from '../command.js';

/** One row of the command table: enough to list and dispatch without loading the command. */
export interface CommandEntry {
  /** Must equal the loaded Command's name (a test loads every entry and compares). */
  readonly name: string;
  /** Must equal the loaded Command's summary (same test). */
  readonly summary: string;
  /** Imports the command's module only when it is run (or its --help is asked for). */
  readonly load: () => Promise<Command>;
}

/**
 * Every `mcpgate` subcommand, in help order. Names and summaries are copied here so that
 * `mcpgate --help` and dispatch import no command module: each module pulls in heavy
 * dependencies (the embedded store, the OIDC client, the HTTP face…) that every start, e.g. each
 * `mcpgate connect` a desktop client spawns, would otherwise pay for. Each command lives in its own
 * file under commands/; add one entry here per command (packages/cli/test/command-index.test.ts
 * fails when an entry drifts from its module or a command module has no entry).
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'init',
    summary: 'write a commented starter config (./mcpgate.yaml) for a laptop or a shared gateway',
    load: async () => (await import('./init.js')).initCommand,
  },
  {
    name: 'client add',
    summary: 'add this mcpgate to an MCP client (claude-desktop, claude-code, cursor, vscode)',
    load: async () => (await import('./client-add.js')).clientAddCommand,
  },
  {
    name: 'stdio',
    summary: 'serve the gateway over stdio (for Claude Desktop, Claude Code, Cursor, VS Code)',
    load: async () => (await import('./stdio.js')).stdioCommand,
  },
  {
    name: 'serve',
    summary: 'serve the gateway over HTTP (Streamable HTTP both eras, legacy SSE) for central deployments',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  {
    name: 'connect',
    summary: 'bridge a stdio-only MCP client (Claude Desktop) to a central gateway over HTTP',
    load: async () => (await import('./connect.js')).connectCommand,
  },
  {
    name: 'validate',
    summary: 'check a config file and list every error with its YAML path and line',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    name: 'keys create',
    summary: 'create an API key for a service account (printed once)',
    load: async () => (await import('./keys-create.js')).keysCreateCommand,
  },
  {
    name: 'keys list',
    summary: 'list API keys (never their secrets)',
    load: async () => (await import('./keys-list.js')).keysListCommand,
  },
  {
    name: 'keys revoke',
    summary: 'revoke an API key by id, or every live key of a name',
    load: async () => (await import('./keys-revoke.js')).keysRevokeCommand,
  },
  {
    name: 'oauth connections list',
    summary: "list users' connections to per-user OAuth upstreams (never their tokens)",
    load: async () => (await import('./oauth-connections-list.js')).oauthConnectionsListCommand,
  },
  {
    name: 'oauth connections revoke',
    summary: "revoke a user's connection to a per-user OAuth upstream (their next call asks again)",
    load: async () => (await import('./oauth-connections-revoke.js')).oauthConnectionsRevokeCommand,
  },
  {
    name: 'login',
    summary: "log in to a central gateway with your organisation's identity provider",
    load: async () => (await import('./login.js')).loginCommand,
  },
  {
    name: 'logout',
    summary: 'forget (and revoke) the cached login for a gateway',
    load: async () => (await import('./logout.js')).logoutCommand,
  },
  {
    name: 'seal-keygen',
    summary: 'create an X25519 key pair for sealed raw copies (masking.seal)',
    load: async () => (await import('./seal-keygen.js')).sealKeygenCommand,
  },
  {
    name: 'audit unseal',
    summary: 'open a sealed raw copy with the offline private key (forensic review; audited)',
    load: async () => (await import('./audit-unseal.js')).auditUnsealCommand,
  },
  {
    name: 'policy explain',
    summary: 'show how the policy decides a call and which rules it considered',
    load: async () => (await import('./policy-explain.js')).policyExplainCommand,
  },
  {
    name: 'policy test',
    summary: 'run table-driven policy expectations from a YAML file; exit 1 on any mismatch',
    load: async () => (await import('./policy-test.js')).policyTestCommand,
  },
  {
    name: 'access request',
    summary: 'request just-in-time access to an upstream (or some of its tools) for a while',
    load: async () => (await import('./access-request.js')).accessRequestCommand,
  },
  {
    name: 'access approve',
    summary: 'approve a pending just-in-time access request (reviewers only)',
    load: async () => (await import('./access-approve.js')).accessApproveCommand,
  },
  {
    name: 'access deny',
    summary: 'deny a pending just-in-time access request (reviewers only)',
    load: async () => (await import('./access-deny.js')).accessDenyCommand,
  },
  {
    name: 'access list',
    summary: 'list pending and active just-in-time grants',
    load: async () => (await import('./access-list.js')).accessListCommand,
  },
  {
    name: 'access revoke',
    summary: 'end a pending or active grant now (its requester or a reviewer)',
    load: async () => (await import('./access-revoke.js')).accessRevokeCommand,
  },
  {
    name: 'approvals list',
    summary: 'list approval requests (pending ones by default)',
    load: async () => (await import('./approvals-list.js')).approvalsListCommand,
  },
  {
    name: 'approvals show',
    summary: 'show one approval request: the call, its arguments, decisions so far',
    load: async () => (await import('./approvals-show.js')).approvalsShowCommand,
  },
  {
    name: 'approvals approve',
    summary: 'approve a pending approval request (as a reviewer)',
    load: async () => (await import('./approvals-approve.js')).approvalsApproveCommand,
  },
  {
    name: 'approvals deny',
    summary: 'deny a pending approval request, with a reason the requester sees',
    load: async () => (await import('./approvals-deny.js')).approvalsDenyCommand,
  },
  {
    name: 'tools diff',
    summary: 'show upstream tool definitions that changed since they were approved (tool pinning)',
    load: async () => (await import('./tools-diff.js')).toolsDiffCommand,
  },
  {
    name: 'tools approve',
    summary: 'accept the current definition of a changed or new upstream tool (tool pinning)',
    load: async () => (await import('./tools-approve.js')).toolsApproveCommand,
  },
  {
    name: 'migrate',
    summary: 'apply pending database schema migrations (safe to run from several replicas at once)',
    load: async () => (await import('./migrate.js')).migrateCommand,
  },
  {
    name: 'audit verify',
    summary: 'recompute the audit hash chains and checkpoint signatures; name the first bad record',
    load: async () => (await import('./audit-verify.js')).auditVerifyCommand,
  },
  {
    name: 'audit query',
    summary: 'search recorded calls by time, user, group, upstream, tool, decision or free text',
    load: async () => (await import('./audit-query.js')).auditQueryCommand,
  },
  {
    name: 'audit sessions',
    summary: 'list recorded client sessions (who, how, when, how many calls)',
    load: async () => (await import('./audit-sessions.js')).auditSessionsCommand,
  },
  {
    name: 'audit replay',
    summary: 'show one session as a timeline: requests, responses, denials, maskings, approvals, timings',
    load: async () => (await import('./audit-replay.js')).auditReplayCommand,
  },
  {
    name: 'audit export',
    summary: 'export the audit trail with its chain proof (jsonl or csv), verifiable offline',
    load: async () => (await import('./audit-export.js')).auditExportCommand,
  },
  {
    name: 'audit prove',
    summary: "Merkle proof of one call's records, or of two checkpoints' consistency (offline)",
    load: async () => (await import('./audit-prove.js')).auditProveCommand,
  },
  {
    name: 'audit report',
    summary: 'write a signed evidence pack for an assessor: HTML report with charts, JSON, and the queries',
    load: async () => (await import('./audit-report.js')).auditReportCommand,
  },
  {
    name: 'audit purge',
    summary: 'remove whole, checkpointed audit segments older than audit.retention',
    load: async () => (await import('./audit-purge.js')).auditPurgeCommand,
  },
];

/** Loads every command, in help order (for the docs generator and tests, not for dispatch). */
export function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map((c) => c.load()));
}
