import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { REPO } from './support.js';

/**
 * Every copy-paste client config in examples/ is parsed and started exactly as the client would:
 * the command and args it names (with the client's own variables expanded), from the directory
 * the client would use.
 */
const dir = join(REPO, 'examples', 'quickstart', 'clients');

interface Entry {
  type?: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const cases: Array<{ file: string; key: 'mcpServers' | 'servers'; expand: (s: string) => string }> = [
  {
    file: 'claude_desktop_config.json',
    key: 'mcpServers',
    expand: (s) => s.replaceAll('/ABSOLUTE/PATH/TO/mcpgate', REPO),
  },
  { file: 'claude-code.mcp.json', key: 'mcpServers', expand: (s) => s },
  { file: 'cursor.mcp.json', key: 'mcpServers', expand: (s) => s.replaceAll('${workspaceFolder}', REPO) },
  { file: 'vscode.mcp.json', key: 'servers', expand: (s) => s.replaceAll('${workspaceFolder}', REPO) },
];

describe('quickstart client configs', () => {
  for (const c of cases) {
    it(`${c.file} starts the gateway and serves both quickstart upstreams`, async () => {
      const parsed = JSON.parse(readFileSync(join(dir, c.file), 'utf8')) as Record<
        string,
        Record<string, Entry>
      >;
      const entry = parsed[c.key]?.mcpgate;
      expect(entry, `${c.file} must define ${c.key}.mcpgate`).toBeDefined();
      if (c.key === 'servers') expect(entry!.type).toBe('stdio');
      const command = entry!.command === 'node' ? process.execPath : entry!.command;
      const client = new Client({ name: c.file, version: '1' });
      const transport = new StdioClientTransport({
        command,
        args: entry!.args.map(c.expand),
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...entry!.env },
        cwd: REPO,
        stderr: 'ignore',
      });
      try {
        await client.connect(transport, { timeout: 140_000 });
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toContain('ev__echo');
        expect(names).toContain('fs__read_text_file');
        const read = await client.callTool({
          name: 'fs__read_text_file',
          arguments: { path: join(REPO, 'examples/quickstart/sandbox/hello.txt') },
        });
        expect(JSON.stringify(read)).toContain('quickstart sandbox');
      } finally {
        // Also when connect failed: the gateway must not outlive the test holding the store's lock
        // (the next case would then fail on that lock instead of on its own merits).
        await client.close();
        await transport.close();
      }
    }, 150_000); // the first case creates the embedded store (initdb): CPU-bound, slow on a busy CI host
  }
});
