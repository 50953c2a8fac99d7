// Plain-text layout helpers (no imports: the dispatcher's help formatting uses them too).

/** Width of a string as a terminal shows it (code points; the CLI prints no wide characters). */
export function displayWidth(s: string): number {
  return [...s].length;
}

/** Shortens `s` to `width` columns, marking the cut with "…". */
export function truncate(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * Wraps text into lines of at most `width` columns, at spaces where possible; a word longer than
 * a line (an id, a URL) is cut into pieces so that nothing is lost.
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let rest = word;
      while (displayWidth(rest) > w) {
        if (line) {
          out.push(line);
          line = '';
        }
        const chars = [...rest];
        out.push(chars.slice(0, w).join(''));
        rest = chars.slice(w).join('');
      }
      if (!line) line = rest;
      else if (displayWidth(line) + 1 + displayWidth(rest) <= w) line += ` ${rest}`;
      else {
        out.push(line);
        line = rest;
      }
    }
    out.push(line);
  }
  return out;
}
