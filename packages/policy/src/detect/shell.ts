/**
 * Characters a POSIX shell (and cmd.exe) gives meaning to: command separators, pipes,
 * substitution, redirection, globbing, quoting, escapes, line breaks. A command tool that passes
 * its argument to a shell must see none of them; one that execs an argv does not need this rule.
 */
const METACHARS = new Set([
  ';',
  '&',
  '|',
  '`',
  '$',
  '>',
  '<',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '*',
  '?',
  '~',
  '!',
  '#',
  '\\',
  "'",
  '"',
  '\n',
  '\r',
  '\0',
  '%',
  '^',
]);

/** The first shell metacharacter in text, or undefined. Linear, no regex. */
export function findShellMetachar(text: string): string | undefined {
  for (const c of text) if (METACHARS.has(c)) return c;
  return undefined;
}
