import type { Command } from '../command.js';

// Placeholder owned by the core work; replaced when that lands.
export const stdioCommand: Command = {
  name: 'stdio',
  summary: 'serve the gateway over stdio (for Claude Desktop, Claude Code, Cursor, VS Code)',
  help: 'Not available in this build yet.',
  options: {},
  positionals: true,
  run({ stderr }) {
    stderr.write('mcpgate stdio: not available in this build yet\n');
    return Promise.resolve(2);
  },
};
