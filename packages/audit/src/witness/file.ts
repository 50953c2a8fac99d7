import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Witness } from './types.js';
import { witnessCopy } from './types.js';

/**
 * Appends each checkpoint as one JSON line and syncs it to disk before reporting success. Put the
 * file where the database's owner cannot rewrite it (another host, a WORM mount, a log shipper).
 */
export function fileWitness(path: string): Witness {
  return {
    name: 'file',
    async publish(cp) {
      await mkdir(dirname(path), { recursive: true });
      const fh = await open(path, 'a', 0o640);
      try {
        await fh.write(`${JSON.stringify(witnessCopy(cp))}\n`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
    },
  };
}
