import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { message, when } from '../format.js';
import { AdminOnly } from './keys.js';

interface PinDiff {
  upstream: string;
  tool: string;
  status: 'changed' | 'new';
  mode: string;
  fields: string[];
  seenAt: string;
  hash: string;
  approved: Record<string, unknown> | null;
  current: Record<string, unknown>;
}

/** Pretty JSON with sorted keys, so the two sides line up field by field. */
function pretty(v: unknown): string[] {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x !== null && typeof x === 'object'
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return v === null ? [] : JSON.stringify(sort(v), null, 2).split('\n');
}

type Row = { left?: string; right?: string; kind: 'same' | 'change' };

/** A line diff (longest common subsequence; tool definitions are small) laid out in two columns. */
export function sideBySide(a: string[], b: string[]): Row[] {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const rows: Row[] = [];
  let i = 0;
  let j = 0;
  const dels: string[] = [];
  const adds: string[] = [];
  const flush = () => {
    while (dels.length || adds.length) rows.push({ left: dels.shift(), right: adds.shift(), kind: 'change' });
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      rows.push({ left: a[i], right: b[j], kind: 'same' });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) adds.push(b[j++]!);
    else dels.push(a[i++]!);
  }
  flush();
  return rows;
}

export function PinsSection() {
  const [items, setItems] = useState<PinDiff[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<string | undefined>();
  const reload = useCallback(() => {
    api<{ items: PinDiff[] }>('/admin/tools/pins')
      .then((r) => {
        setItems(r.items);
        setError(undefined);
      })
      .catch(setError);
  }, []);
  useEffect(reload, [reload]);
  if (error instanceof ApiError && error.status === 403)
    return <AdminOnly what="Reviewing tool pins" err={error} />;
  return (
    <>
      <h2>Tool definitions waiting for review</h2>
      <p class="hint">
        An upstream changed or added these tools after they were trusted. Under <code>pinning: block</code>{' '}
        they stay hidden and refused until approved here or with <code>mcpgate tools approve</code>.
      </p>
      {outcome && (
        <p role="status" class="outcome">
          {outcome}
        </p>
      )}
      {error !== undefined && <p role="alert">{message(error)}</p>}
      {items && items.length === 0 && <p class="empty">Every tool matches its approved definition.</p>}
      {items?.map((d) => (
        <PinCard
          key={`${d.upstream}/${d.tool}`}
          d={d}
          onDone={(text) => {
            setOutcome(text);
            reload();
          }}
        />
      ))}
    </>
  );
}

function PinCard({ d, onDone }: { d: PinDiff; onDone: (text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const rows = sideBySide(pretty(d.approved), pretty(d.current));
  const id = `pin-${d.upstream}-${d.tool}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const approve = () => {
    setBusy(true);
    api(`/admin/tools/pins/${encodeURIComponent(d.upstream)}/${encodeURIComponent(d.tool)}/approve`, {
      method: 'POST',
      body: { hash: d.hash },
    })
      .then(() => onDone(`Approved ${d.upstream} / ${d.tool}: it is shown and callable again.`))
      .catch((err: unknown) => onDone(`Refused: ${message(err)}`))
      .finally(() => setBusy(false));
  };
  return (
    <article class="pin" aria-labelledby={id} data-pin={`${d.upstream}/${d.tool}`}>
      <h3 id={id}>
        {d.upstream} / {d.tool}{' '}
        <span class={`badge ${d.status}`}>{d.status === 'new' ? 'new tool' : 'changed'}</span>
      </h3>
      <p class="hint">
        Seen {when(d.seenAt)} · pinning: {d.mode}
        {d.fields.length > 0 && ` · changed: ${d.fields.join(', ')}`}
      </p>
      <div class="diff" role="table" aria-label={`Definitions of ${d.upstream} / ${d.tool}, side by side`}>
        <div role="row" class="diff-head">
          <span role="columnheader">Approved definition</span>
          <span role="columnheader">Current definition</span>
        </div>
        {rows.map((r, i) => (
          <div role="row" class={`diff-row ${r.kind}`} key={i}>
            <code role="cell" class={r.kind === 'change' && r.left !== undefined ? 'del' : undefined}>
              {r.kind === 'change' && r.left !== undefined && <span class="sr-only">removed: </span>}
              {r.left ?? (d.approved === null && i === 0 ? '(never approved)' : '')}
            </code>
            <code role="cell" class={r.kind === 'change' && r.right !== undefined ? 'ins' : undefined}>
              {r.kind === 'change' && r.right !== undefined && <span class="sr-only">added: </span>}
              {r.right ?? ''}
            </code>
          </div>
        ))}
      </div>
      <div class="buttons">
        <button type="button" class="approve" disabled={busy} onClick={approve}>
          Approve the current definition
        </button>
      </div>
    </article>
  );
}
