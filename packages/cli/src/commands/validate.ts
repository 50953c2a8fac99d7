import type { Command } from '../command.js';

// Placeholder owned by the core work; replaced when that lands.
export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a config file and list every error with its YAML path and line',
  help: 'Not available in this build yet.',
  options: {},
  positionals: true,
  run({ stderr }) {
    stderr.write('mcpgate validate: not available in this build yet\n');
    return Promise.resolve(2);
  },
};
