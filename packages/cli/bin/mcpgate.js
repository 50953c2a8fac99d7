#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `pnpm build`; production runs plain JS.
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(
      `mcpgate: ${err instanceof Error ? (process.env.MCPGATE_DEBUG ? String(err.stack) : err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
