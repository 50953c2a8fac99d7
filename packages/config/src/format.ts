import type { ConfigIssue } from './types.js';

/** `file:line:col path: message` — the compiler-style line editors and terminals make clickable. */
export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}
