import { createHash, sign, verify } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { GatewayError } from '@mcpgate/core';
import { publicKeyFromBase64, type SigningKey } from '../chain/keys.js';
import type { ReportData } from './build.js';
import { renderHtml } from './html.js';

export const PACK_FORMAT = 'mcpgate-evidence-pack';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

export interface ManifestFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly format: typeof PACK_FORMAT;
  readonly version: 1;
  readonly createdAt: string;
  readonly period: ReportData['period'];
  /** Base64 SPKI DER of the Ed25519 key that signed manifest.json (the audit signing key). */
  readonly publicKey: string;
  readonly files: readonly ManifestFile[];
}

async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: h.digest('hex'), bytes };
}

export interface ExtraFile {
  readonly name: string;
  /** Writes the file's content through `out` (awaited: backpressure). */
  readonly write: (out: (chunk: string) => Promise<void>) => Promise<unknown>;
}

/**
 * Writes the evidence pack into `dir` (which must not exist or be empty): index.html,
 * report.json, any extra files (streamed), then manifest.json (every file's SHA-256) and
 * manifest.sig (Ed25519 over the manifest's exact bytes, base64).
 */
export async function writeReportPack(
  dir: string,
  data: ReportData,
  key: SigningKey,
  extraFiles: readonly ExtraFile[] = [],
): Promise<{ files: readonly ManifestFile[] }> {
  await mkdir(dir, { recursive: true });
  const existing = await readdir(dir);
  if (existing.length > 0)
    throw new GatewayError(
      'invalid_params',
      `${dir} is not empty: give a new directory for the evidence pack`,
    );
  await writeFile(join(dir, 'report.json'), `${JSON.stringify(data, null, 2)}\n`);
  await writeFile(join(dir, 'index.html'), await renderHtml(data));
  for (const extra of extraFiles) {
    const file = createWriteStream(join(dir, extra.name), { flags: 'wx' });
    try {
      await extra.write(async (chunk) => {
        if (!file.write(chunk)) await once(file, 'drain');
      });
    } finally {
      file.end();
      await once(file, 'close');
    }
  }
  const files: ManifestFile[] = [];
  for (const name of ['index.html', 'report.json', ...extraFiles.map((f) => f.name)])
    files.push({ path: name, ...(await sha256File(join(dir, name))) });
  const manifest: Manifest = {
    format: PACK_FORMAT,
    version: 1,
    createdAt: data.generatedAt,
    period: data.period,
    publicKey: key.publicKey,
    files,
  };
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, MANIFEST), bytes);
  await writeFile(join(dir, SIGNATURE), `${sign(null, bytes, key.privateKey).toString('base64')}\n`);
  return { files };
}

export interface PackProblem {
  /** The file at fault, relative to the pack. */
  readonly file: string;
  readonly detail: string;
}

export interface PackReport {
  readonly ok: boolean;
  readonly files: number;
  readonly publicKey: string | undefined;
  readonly period: ReportData['period'] | undefined;
  readonly problems: readonly PackProblem[];
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (!e.isDirectory()) out.push(relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  return out.sort();
}

/**
 * Checks a pack offline: the manifest's signature (against `trustedKeys` when given, else the key
 * the manifest names), then every listed file's size and SHA-256, and that no file was added.
 * Each problem names its file.
 */
export async function verifyReportPack(
  dir: string,
  opts: { trustedKeys?: readonly string[] } = {},
): Promise<PackReport> {
  const problems: PackProblem[] = [];
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(join(dir, MANIFEST));
  } catch (err) {
    throw new GatewayError('invalid_params', `${dir} is not an evidence pack: cannot read ${MANIFEST}`, {
      cause: err,
    });
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
    if (manifest.format !== PACK_FORMAT || !Array.isArray(manifest.files)) throw new Error('unknown format');
  } catch (err) {
    return {
      ok: false,
      files: 0,
      publicKey: undefined,
      period: undefined,
      problems: [
        { file: MANIFEST, detail: `not a readable evidence-pack manifest (${(err as Error).message})` },
      ],
    };
  }
  const signature = await readFile(join(dir, SIGNATURE), 'utf8').catch(() => undefined);
  if (signature === undefined)
    problems.push({ file: SIGNATURE, detail: 'missing: the manifest is unsigned' });
  else {
    let good: boolean;
    try {
      good = verify(
        null,
        manifestBytes,
        publicKeyFromBase64(manifest.publicKey),
        Buffer.from(signature.trim(), 'base64'),
      );
    } catch {
      good = false;
    }
    if (!good)
      problems.push({
        file: MANIFEST,
        detail: `the Ed25519 signature in ${SIGNATURE} does not verify: ${MANIFEST} or ${SIGNATURE} was edited`,
      });
    else if (opts.trustedKeys && !opts.trustedKeys.includes(manifest.publicKey))
      problems.push({ file: MANIFEST, detail: 'signed by a key that is not in the trusted set' });
  }
  const listed = new Set<string>([MANIFEST, SIGNATURE]);
  const files = manifest.files as readonly ManifestFile[];
  for (const f of files) {
    listed.add(f.path);
    if (typeof f.path !== 'string' || f.path.startsWith('/') || f.path.split('/').includes('..')) {
      problems.push({ file: MANIFEST, detail: `lists a path outside the pack: ${String(f.path)}` });
      continue;
    }
    const path = join(dir, f.path);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) {
      problems.push({ file: f.path, detail: 'missing (listed in the manifest)' });
      continue;
    }
    const got = await sha256File(path);
    if (got.sha256 !== f.sha256 || got.bytes !== f.bytes)
      problems.push({
        file: f.path,
        detail: `edited after signing: SHA-256 ${got.sha256} (${got.bytes} bytes), manifest says ${f.sha256} (${f.bytes} bytes)`,
      });
  }
  for (const f of await listFiles(dir))
    if (!listed.has(f)) problems.push({ file: f, detail: 'not in the manifest (added after signing)' });
  return {
    ok: problems.length === 0,
    files: files.length,
    publicKey: manifest.publicKey,
    period: manifest.period,
    problems,
  };
}
