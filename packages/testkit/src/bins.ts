import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// Fixture servers run as plain node processes, so they are always the built files in dist/ (this
// module may itself be loaded from src/ by a test runner).
const built = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist');

/** Entry JS of an npm MCP server package (its `bin`), resolved from testkit's own dependencies. */
function packageEntry(name: string): string {
  const pkgJson = require.resolve(`${name}/package.json`);
  const pkg = require(pkgJson) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin ?? {})[0];
  if (!bin) throw new Error(`${name} declares no bin entry`);
  return join(dirname(pkgJson), bin);
}

/** `@modelcontextprotocol/server-everything` entry; run as `node <entry> stdio|sse|streamableHttp`. */
export function everythingBin(): string {
  return packageEntry('@modelcontextprotocol/server-everything');
}

/** `@modelcontextprotocol/server-memory` entry (stdio). Set `MEMORY_FILE_PATH` to keep tests apart. */
export function memoryBin(): string {
  return packageEntry('@modelcontextprotocol/server-memory');
}

/** `@modelcontextprotocol/server-filesystem` entry; pass the allowed directories as arguments. */
export function filesystemBin(): string {
  return packageEntry('@modelcontextprotocol/server-filesystem');
}

/** The modern-era (2026-07-28) test server (stdio). See `servers/modern.ts` for its tools. */
export function modernServerBin(): string {
  return join(built, 'servers', 'modern.js');
}

/** The modern-era test server over Streamable HTTP (reads `PORT`, binds 127.0.0.1); see `startModernHttp`. */
export function modernHttpServerBin(): string {
  return join(built, 'servers', 'modern-http.js');
}

/** The mutable legacy-era test server (stdio). See `servers/mutable.ts` for its tools. */
export function mutableServerBin(): string {
  return join(built, 'servers', 'mutable.js');
}

/** The test server whose own messages carry planted secrets (stdio, either era). See `servers/planted.ts`. */
export function plantedServerBin(): string {
  return join(built, 'servers', 'planted.js');
}

/** Preload module (`node --import <it>`) that makes any listen() without a host bind 127.0.0.1. */
export function loopbackPreload(): string {
  return join(built, 'loopback-preload.js');
}
