import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Largest `${file:…}` a config may reference: secrets are keys and tokens, not data (1 MiB). */
export const SECRET_FILE_MAX_BYTES = 1024 * 1024;

/** A `${file:…}` target that is not a readable regular file of acceptable size. */
export class SecretFileError extends Error {
  constructor(
    message: string,
    readonly code: 'not_regular' | 'too_large',
  ) {
    super(message);
  }
}

/**
 * Reads a secret file as UTF-8: regular files only, at most SECRET_FILE_MAX_BYTES. Opened
 * non-blocking, so a FIFO with no writer neither hangs the open nor the read: it is refused by its
 * type like a directory or a device (`/dev/zero` would otherwise be read until memory runs out).
 * Symbolic links are followed (mounted secrets are often links to regular files).
 */
export async function readSecretFile(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    if (!st.isFile())
      throw new SecretFileError(`${path} is ${kindOf(st)}, not a regular file`, 'not_regular');
    const tooLarge = () =>
      new SecretFileError(
        `${path} is larger than ${SECRET_FILE_MAX_BYTES} bytes (1 MiB), the limit for a secret file`,
        'too_large',
      );
    if (st.size > SECRET_FILE_MAX_BYTES) throw tooLarge();
    // Read one byte past the cap: a file that grew since the stat is refused, not cut.
    const buf = Buffer.alloc(SECRET_FILE_MAX_BYTES + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > SECRET_FILE_MAX_BYTES) throw tooLarge();
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    await handle.close();
  }
}

function kindOf(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}
