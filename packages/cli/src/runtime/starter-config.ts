/** What the starter config is for: one person's machine, or a gateway several people share. */
export type Profile = 'laptop' | 'shared';

export const PROFILES: readonly Profile[] = ['laptop', 'shared'];

const HEADER = (profile: Profile, schema: string | undefined): string[] => [
  `# mcpgate config, written by \`mcpgate init --profile ${profile}\`.`,
  '# Reference: docs/config.md. Check it any time with `mcpgate validate`; then connect a client',
  '# with `mcpgate client add claude-desktop|claude-code|cursor|vscode`.',
  ...(schema ? [`# yaml-language-server: $schema=${schema}`] : []),
  '',
];

const UPSTREAMS = [
  '# The MCP servers behind the gateway. A client sees each tool as <alias>__<tool>.',
  '# Replace the example with your own servers.',
  'upstreams:',
  '  everything:',
  '    alias: ev # its tools appear as ev__echo, ev__get-sum, ...',
  '    command: npx',
  "    args: ['-y', '@modelcontextprotocol/server-everything', 'stdio']",
  '  # files:',
  '  #   alias: fs',
  '  #   command: npx',
  "  #   args: ['-y', '@modelcontextprotocol/server-filesystem', '/a/directory/you/allow']",
  '  # remote:',
  '  #   url: https://mcp.example.com/mcp',
  '  #   headers:',
  "  #     Authorization: 'Bearer ${env:REMOTE_MCP_TOKEN}' # secrets by reference, never inline",
  '',
];

const POLICY: Record<Profile, string[]> = {
  laptop: [
    '# Who may call what. With no policy at all every call is denied (the default is deny).',
    '# A single-user laptop: you are the only caller, so allow everything; every call is still',
    '# recorded. Add rules above the default to block or hold risky tools (docs/policy.md).',
    'policy:',
    '  default: allow',
    '',
  ],
  shared: [
    '# Who may call what. A shared gateway denies by default and allows by rule; the first rule',
    '# that matches decides (docs/policy.md). `mcpgate policy explain` shows why a call is decided.',
    'policy:',
    '  default: deny',
    '  defaultMessage: Ask the gateway operators for access.',
    '  rules:',
    '    # Example: members of the group "eng" may use every tool of the upstream "everything"',
    '    # (rules name upstreams by their key under upstreams:, not by alias).',
    '    - name: eng-uses-everything',
    '      match: { groups: [eng], upstreams: [everything] }',
    '      action: allow',
    '',
  ],
};

const STORE: Record<Profile, string[]> = {
  laptop: [
    '# The audit trail: an embedded database beside this file (nothing to set up).',
    'store:',
    '  dir: ./.mcpgate/data',
    '',
  ],
  shared: [
    '# The audit trail. The embedded database below is fine to try things; a shared gateway should',
    '# record into PostgreSQL and keep its signing key off the database host (docs/deploy.md):',
    "#   store: { url: 'postgres://mcpgate:${env:PGPASSWORD}@db.example:5432/mcpgate' }",
    "#   audit: { signingKey: '${file:secrets/audit-signing.pem}' }",
    'store:',
    '  dir: ./.mcpgate/data',
    '',
    '# Serve over HTTP with `mcpgate serve`; people log in through your identity provider',
    '# (docs/auth.md). Until auth is configured only loopback callers are accepted.',
    '# server: { host: 0.0.0.0, port: 8080 }',
    '',
  ],
};

const LOGGING = [
  '# Logs go to stderr: readable lines on a terminal, JSON lines otherwise (logging.format).',
  'logging:',
  '  level: info',
  '',
];

/** The commented starter config `mcpgate init` writes. `schema` is the JSON Schema path for editors. */
export function starterConfig(profile: Profile, schema?: string): string {
  return [...HEADER(profile, schema), ...UPSTREAMS, ...POLICY[profile], ...STORE[profile], ...LOGGING].join(
    '\n',
  );
}
