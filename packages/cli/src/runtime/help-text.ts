// Fits hand-written help text to the terminal, so `--help` reads at 80 columns whatever width
// the command's author wrote it at. No imports but text.ts: the dispatcher uses it.
import { displayWidth, wrapText } from './text.js';

/** Greedy fill of `pieces` (kept whole where they fit) into lines, continuations after `hang`. */
function fill(pieces: readonly string[], first: string, hang: string, width: number): string[] {
  const room = Math.max(1, width - displayWidth(hang));
  // A piece longer than a continuation line breaks into words, a word into pieces.
  const parts = pieces.flatMap((p) => (displayWidth(p) <= room ? [p] : wrapText(p, room)));
  const out: string[] = [];
  let line = first;
  let fresh = true;
  for (const part of parts) {
    if (!fresh && displayWidth(line) + 1 + displayWidth(part) > width) {
      out.push(line);
      line = hang;
      fresh = true;
    }
    line += (fresh ? '' : ' ') + part;
    fresh = false;
  }
  out.push(line);
  return out.map((l) => l.trimEnd());
}

/** A usage line (or its continuation): break between bracketed groups, not inside them. */
const USAGE = /^(Usage: mcpgate (?:[a-z-]+ )?[a-z-]+ |\s+mcpgate (?:[a-z-]+ )?[a-z-]+ |\s+(?=[[(]))/;
/** A list item "  name   description": continuation lines hang under the description. */
const ITEM = /^(\s+\S+(?: \S+)?\s{2,})/;

function fitLine(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  const usage = USAGE.exec(line);
  if (usage) {
    const lead = usage[1]!;
    const hang = ' '.repeat(Math.min(displayWidth(lead), 40));
    const pieces = line
      .slice(lead.length)
      .split(/ (?=[[(]|\s*\()/)
      .map((p) => p.trim())
      .filter(Boolean);
    return fill(pieces, lead, hang, width);
  }
  const item = ITEM.exec(line) ?? /^(\s*)/.exec(line)!;
  const lead = item[1]!;
  const hang = ' '.repeat(Math.min(displayWidth(lead), 40));
  return fill(line.slice(lead.length).split(/ +/).filter(Boolean), lead, hang, width);
}

/**
 * Help text fitted to `width`: a prose paragraph (lines starting at column 0) with any line too
 * wide is reflowed as a whole; usage lines break between option groups; indented list lines
 * wrap under their description. Text that already fits is left exactly as written.
 */
export function fitHelp(text: string, width: number): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    const prose = (l: string): boolean => l !== '' && !/^\s/.test(l) && !USAGE.test(l);
    if (!prose(line)) {
      out.push(...fitLine(line, width));
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && prose(lines[j]!)) j++;
    const para = lines.slice(i, j);
    if (para.every((l) => displayWidth(l) <= width)) out.push(...para);
    else out.push(...wrapText(para.join(' '), width));
    i = j;
  }
  return out.join('\n');
}
