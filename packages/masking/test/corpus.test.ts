import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTOR_IDS, BUILTIN_DETECTORS } from '../src/detectors/registry.js';
import { scanText } from '../src/scan.js';
// @ts-expect-error plain JS module shared with scripts/bench-masking.mjs
import { scoreCorpus } from './corpus/score.mjs';

interface Label {
  type: string;
  start: number;
  end: number;
  expect: 'mask' | 'keep';
}
interface CorpusDoc {
  id: string;
  format: string;
  text: string;
  labels: Label[];
}
interface TypeScore {
  planted: number;
  found: number;
  lookalikes: number;
  lookalikeHits: number;
}
interface Score {
  recall: number;
  precision: number;
  planted: number;
  perType: Record<string, TypeScore>;
  falsePositives: unknown[];
}
const score = scoreCorpus as (docs: CorpusDoc[], detect: (t: string) => unknown[], typed: boolean) => Score;

const docs: CorpusDoc[] = readFileSync(new URL('./corpus/corpus.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as CorpusDoc);

const detect = (t: string) =>
  scanText(t, BUILTIN_DETECTORS).map((m) => ({ start: m.start, end: m.end, type: m.detector }));

describe('labelled corpus', () => {
  const result = score(docs, detect, true);

  it('covers every built-in detector with planted values and every lookalike kind', () => {
    for (const id of BUILTIN_DETECTOR_IDS) expect(result.perType[id]?.planted ?? 0, id).toBeGreaterThan(5);
    const lookalikes = Object.entries(result.perType)
      .filter(([, s]) => s.lookalikes > 0)
      .map(([t]) => t);
    for (const kind of ['invalid_luhn', 'uuid', 'version', 'git_hash', 'sha256', 'timestamp', 'order_id'])
      expect(lookalikes).toContain(kind);
  });

  it.each(BUILTIN_DETECTOR_IDS.map((id) => [id]))(
    '%s: every planted value is found with the right id',
    (id) => {
      const s = result.perType[id]!;
      expect(s.found).toBe(s.planted);
    },
  );

  it('no lookalike is masked', () => {
    const hit = Object.entries(result.perType).filter(([, s]) => s.lookalikeHits > 0);
    expect(hit).toEqual([]);
  });

  it('recall and precision (typed) are 1 on the corpus', () => {
    expect(result.falsePositives).toEqual([]);
    expect(result.recall).toBe(1);
    expect(result.precision).toBe(1);
  });
});
