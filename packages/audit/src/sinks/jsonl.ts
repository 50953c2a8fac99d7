import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Sink } from './record.js';

export interface JsonlSinkOptions {
  readonly path: string;
  /** Rotate before a write would take the file past this size (default 100 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept (default 10); the oldest beyond are deleted. */
  readonly maxFiles?: number;
}

/**
 * Appends one JSON object per line and syncs before reporting success, so a committed cursor
 * never points past what is on disk. Rotated files are renamed `<name>.<UTC time>` (sortable);
 * a log shipper can follow the live file.
 */
export function jsonlSink(name: string, opts: JsonlSinkOptions): Sink {
  const maxBytes = opts.maxBytes ?? 100 * 1024 * 1024;
  const maxFiles = opts.maxFiles ?? 10;
  const dir = dirname(opts.path);
  const base = basename(opts.path);

  async function rotate(): Promise<void> {
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    let target = join(dir, `${base}.${stamp}`);
    for (let i = 1; await exists(target); i++) target = join(dir, `${base}.${stamp}-${i}`);
    await rename(opts.path, target);
    const rotated = (await readdir(dir)).filter((f) => f.startsWith(`${base}.`)).sort();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - maxFiles))) await unlink(join(dir, old));
  }

  return {
    name,
    async send(records) {
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      await mkdir(dir, { recursive: true });
      const size = await stat(opts.path).then(
        (s) => s.size,
        () => 0,
      );
      if (size > 0 && size + Buffer.byteLength(text) > maxBytes) await rotate();
      const fh = await open(opts.path, 'a', 0o640);
      try {
        await fh.write(text);
        await fh.datasync();
      } finally {
        await fh.close();
      }
    },
  };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
