import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateSealKeyPair } from '@mcpgate/masking';
import { str, UsageError, type Command } from '../command.js';

export const PUBLIC_FILE = 'seal-public.pem';
export const PRIVATE_FILE = 'seal-private.pem';

export const sealKeygenCommand: Command = {
  name: 'seal-keygen',
  summary: 'create an X25519 key pair for sealed raw copies (masking.seal)',
  help: [
    'Usage: mcpgate seal-keygen --out DIR',
    '',
    `Writes DIR/${PUBLIC_FILE} (put it in masking.seal.publicKey, e.g. \${file:${PUBLIC_FILE}})`,
    `and DIR/${PRIVATE_FILE} (mode 0600). Move the private key off the gateway host: it is what`,
    '`mcpgate audit unseal` needs to open a sealed copy, and the gateway must never hold it.',
    'Refuses to overwrite existing files.',
  ].join('\n'),
  options: { out: { type: 'string', short: 'o' } },
  async run(ctx) {
    const out = str(ctx.values, 'out');
    if (!out) throw new UsageError('--out DIR is required');
    const dir = resolve(ctx.cwd, out);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const pair = generateSealKeyPair();
    const pub = join(dir, PUBLIC_FILE);
    const priv = join(dir, PRIVATE_FILE);
    try {
      // `wx`: fail rather than replace a key that may already have sealed records.
      await writeFile(priv, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
      await chmod(priv, 0o600);
      await writeFile(pub, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        ctx.stderr.write(`mcpgate seal-keygen: ${dir} already holds a seal key; not overwriting\n`);
        return 1;
      }
      throw err;
    }
    ctx.stdout.write(
      `public key:  ${pub}\nprivate key: ${priv} (mode 0600 — move it off this host)\nkey id:      ${pair.kid}\n`,
    );
    return 0;
  },
};
