/**
 * `/metrics` with several workers: a scrape reaches one worker (the kernel picks), so that worker
 * asks the primary, which collects every worker's exposition and merges them, each sample labelled
 * `worker="<k>"`. Sum or max over `worker` in the query; nothing is summed here, because gauges
 * such as the audit lag must not be added up.
 */

interface Family {
  readonly head: string[];
  readonly samples: string[];
}

/** Adds `worker="k"` as the first label of one sample line. */
function labelSample(line: string, worker: string): string {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  if (brace !== -1 && brace < space) {
    const rest = line.slice(brace + 1);
    return `${line.slice(0, brace)}{worker="${worker}"${rest.startsWith('}') ? '' : ','}${rest}`;
  }
  return `${line.slice(0, space)}{worker="${worker}"}${line.slice(space)}`;
}

/** Prometheus text format of several workers → one exposition, each family's HELP/TYPE once. */
export function mergeExpositions(parts: ReadonlyArray<{ worker: string; text: string }>): string {
  const families = new Map<string, Family>();
  for (const { worker, text } of parts) {
    let current: Family | undefined;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const help = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (help) {
        const name = help[2]!;
        let f = families.get(name);
        if (!f) families.set(name, (f = { head: [], samples: [] }));
        if (!f.head.some((h) => h.startsWith(`# ${help[1]} `))) f.head.push(line);
        current = f;
        continue;
      }
      if (line.startsWith('#')) continue;
      current?.samples.push(labelSample(line, worker));
    }
  }
  const out: string[] = [];
  for (const f of families.values()) out.push(...f.head, ...f.samples);
  return out.join('\n') + '\n';
}
