// Scores detections against the corpus labels. Shared by the unit tests and scripts/bench-masking.mjs.
// A detection is a span {start, end, type?}. A planted label is found when a detection overlaps it
// (typed: of the same type); a detection is a true positive when it overlaps a planted label, a
// false positive otherwise (and a lookalike hit when it overlaps a lookalike).

function overlaps(a, b) {
  return a.start < b.end && b.start < a.end;
}

/**
 * @param {{labels: {type: string, start: number, end: number, expect: 'mask'|'keep'}[]}} doc
 * @param {{start: number, end: number, type?: string}[]} detections
 * @param {boolean} typed compare types too
 */
export function scoreDoc(doc, detections, typed) {
  const planted = doc.labels.filter((l) => l.expect === 'mask');
  const decoys = doc.labels.filter((l) => l.expect === 'keep');
  const perType = {};
  const bump = (type, key) => {
    perType[type] ??= { planted: 0, found: 0, lookalikes: 0, lookalikeHits: 0 };
    perType[type][key]++;
  };
  for (const l of planted) {
    bump(l.type, 'planted');
    if (detections.some((d) => overlaps(d, l) && (!typed || d.type === l.type))) bump(l.type, 'found');
  }
  for (const l of decoys) {
    bump(l.type, 'lookalikes');
    if (detections.some((d) => overlaps(d, l))) bump(l.type, 'lookalikeHits');
  }
  let tp = 0;
  let fp = 0;
  const falsePositives = [];
  for (const d of detections) {
    if (planted.some((l) => overlaps(d, l) && (!typed || d.type === l.type))) tp++;
    else {
      fp++;
      falsePositives.push(d);
    }
  }
  return { perType, tp, fp, falsePositives };
}

export function scoreCorpus(docs, detect, typed) {
  const perType = {};
  let tp = 0;
  let fp = 0;
  let planted = 0;
  let found = 0;
  const falsePositives = [];
  for (const doc of docs) {
    const r = scoreDoc(doc, detect(doc.text), typed);
    tp += r.tp;
    fp += r.fp;
    for (const f of r.falsePositives)
      falsePositives.push({ doc: doc.id, ...f, text: doc.text.slice(f.start, f.end) });
    for (const [type, s] of Object.entries(r.perType)) {
      perType[type] ??= { planted: 0, found: 0, lookalikes: 0, lookalikeHits: 0 };
      for (const k of Object.keys(s)) perType[type][k] += s[k];
      planted += s.planted;
      found += s.found;
    }
  }
  return {
    recall: planted === 0 ? 1 : found / planted,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    planted,
    found,
    tp,
    fp,
    perType,
    falsePositives,
  };
}
