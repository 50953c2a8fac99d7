import { createReadStream } from 'node:fs';
import { GatewayError } from '@mcpgate/core';
import type { EventRow } from '../chain/event.js';
import type {
  ChainRange,
  CheckpointRecord,
  PurgeRecord,
  VerifyReport,
  WriterRecord,
} from '../verify/types.js';
import { verifyEvents } from '../verify/verifier.js';
import { CsvReader, csvRecord, EXPORT_FORMAT, type ExportRecord } from './format.js';

async function* records(file: string): AsyncGenerator<ExportRecord> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  let first = true;
  let csv: CsvReader | undefined;
  let pending = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    if (first) {
      first = false;
      if (chunk.startsWith('record,')) csv = new CsvReader();
    }
    if (csv) {
      for (const cells of csv.push(chunk)) if (cells[0] !== 'record') yield csvRecord(cells);
      continue;
    }
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim()) yield JSON.parse(line) as ExportRecord;
    }
  }
  if (csv) {
    for (const cells of csv.push('', true)) if (cells[0] !== 'record') yield csvRecord(cells);
  } else if (pending.trim()) {
    yield JSON.parse(pending) as ExportRecord;
  }
}

/**
 * Verifies an export file offline: no database, only the file and (optionally) the public keys
 * you trust. Reads the file twice — proof records, then events — so memory stays constant.
 */
export async function verifyExportFile(
  file: string,
  opts: { trustedKeys?: readonly string[]; onProgress?: (n: number) => void } = {},
): Promise<VerifyReport & { readonly declaredEvents: number | undefined }> {
  const writers: WriterRecord[] = [];
  const checkpoints: CheckpointRecord[] = [];
  const purges: PurgeRecord[] = [];
  const ranges: ChainRange[] = [];
  let header = false;
  let declared: number | undefined;
  try {
    for await (const r of records(file)) {
      if (r.record === 'header') {
        if (r.format !== EXPORT_FORMAT) throw new Error('unknown format');
        header = true;
      } else if (r.record === 'writer') writers.push({ ...r, started_at: new Date(r.started_at) });
      else if (r.record === 'checkpoint') checkpoints.push({ ...r, ts: new Date(r.ts) });
      else if (r.record === 'purge')
        purges.push({ ...r, checkpoint_ts: new Date(r.checkpoint_ts), purged_at: new Date(r.purged_at) });
      else if (r.record === 'range') ranges.push(r);
      else if (r.record === 'end') declared = r.events;
    }
  } catch (err) {
    throw new GatewayError(
      'invalid_params',
      `${file} is not a readable audit export: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (!header) throw new GatewayError('invalid_params', `${file} is not an audit export (no header record)`);

  async function* events(): AsyncGenerator<EventRow> {
    for await (const r of records(file)) {
      if (r.record !== 'event') continue;
      const { record: _record, ...row } = r;
      yield { ...row, ts: new Date(row.ts) };
    }
  }
  const report = await verifyEvents({
    ranges,
    writers,
    checkpoints,
    purges,
    events: events(),
    ...(opts.trustedKeys ? { trustedKeys: opts.trustedKeys } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const problems = [...report.problems];
  if (declared === undefined)
    problems.push({
      chain: '-',
      seq: 0,
      kind: 'truncated',
      detail: 'the file ends without its end record (cut short)',
    });
  else if (declared !== report.events)
    problems.push({
      chain: '-',
      seq: 0,
      kind: 'missing',
      detail: `the end record declares ${declared} events but the file holds ${report.events}`,
    });
  return { ...report, ok: problems.length === 0, problems, declaredEvents: declared };
}
