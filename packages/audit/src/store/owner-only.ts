import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What a sweep found open to other users (group or others bits) before making it owner-only. */
export interface OwnerOnlyReport {
  /** The top directory's mode before the sweep (e.g. 0o755). */
  readonly dirMode: number;
  /** Entries (files and directories) below it that were open to others. */
  readonly openEntries: number;
  /** Entries whose mode could not be changed (owned by someone else, read-only file system). */
  readonly failed: readonly string[];
}

/**
 * Makes a directory tree owner-only: directories 0700, files 0600 (symbolic links are left alone).
 * PGlite creates its files 0666 whatever the process umask, so the embedded store is swept when it
 * opens, while it runs and when it closes; its directory being 0700 already keeps every file in it
 * out of other users' reach in between.
 */
export async function makeOwnerOnly(dir: string): Promise<OwnerOnlyReport> {
  const failed: string[] = [];
  let openEntries = 0;
  const top = await lstat(dir);
  const fix = async (path: string, mode: number, want: number): Promise<void> => {
    if ((mode & 0o777) === want) return;
    try {
      await chmod(path, want);
    } catch {
      failed.push(path);
    }
  };
  await fix(dir, top.mode, 0o700);
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      failed.push(d);
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      let st;
      try {
        st = await lstat(path);
      } catch {
        continue; // removed meanwhile (the store is live)
      }
      if (st.isSymbolicLink()) continue;
      if (st.mode & 0o077) openEntries++;
      if (st.isDirectory()) {
        await fix(path, st.mode, 0o700);
        await walk(path);
      } else {
        await fix(path, st.mode, 0o600);
      }
    }
  };
  await walk(dir);
  return { dirMode: top.mode & 0o777, openEntries, failed };
}
