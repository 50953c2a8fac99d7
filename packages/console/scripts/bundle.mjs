// Bundles the console's front end (web/) into dist/web/: app.js (Preact + the pages, minified),
// app.css and index.html. Run by the workspace's `pnpm build` after `tsc -b`.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'web', 'main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(root, 'web', 'app.css'), join(out, 'app.css'));
for (const f of ['index.html', 'icon.svg']) copyFileSync(join(root, 'web', f), join(out, f));
