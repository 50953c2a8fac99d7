/** Plain-text rendering of approval JSON (`approvalJson` shape) for the CLI, local or remote. */
type J = Record<string, unknown>;

function s(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
const when = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 19).replace('T', ' ') : '-');

export function formatApprovalTable(items: readonly J[]): string {
  if (items.length === 0) return 'no approvals\n';
  const head = ['ID', 'STATUS', 'APPROVALS', 'REQUESTER', 'TOOL', 'CREATED', 'EXPIRES'];
  const rows = items.map((a) => [
    s(a.id),
    s(a.status),
    `${s(a.approvals)}/${s(a.required)}`,
    s(a.requester),
    `${s(a.upstream)}/${s(a.tool)}`,
    when(a.createdAt),
    when(a.expiresAt),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

export function formatApproval(a: J): string {
  const lines = [
    `approval   ${s(a.id)}   ${s(a.status)}`,
    `requester  ${s(a.requester)}${a.requesterName ? ` (${s(a.requesterName)})` : ''}`,
    `call       ${s(a.method)} ${s(a.upstream)}/${s(a.tool)}`,
    `arguments  ${s(a.arguments)}`,
    `rule       ${s(a.rule)}   mode ${s(a.mode)}`,
    `reviewers  ${Array.isArray(a.reviewers) ? a.reviewers.join(', ') : '-'}   approvals ${s(a.approvals)} of ${s(a.required)}${a.allowSelfApproval ? ' (self-approval allowed)' : ''}`,
    `created    ${s(a.createdAt)}   decide by ${s(a.expiresAt)}`,
  ];
  if (a.useBy) lines.push(`use by     ${s(a.useBy)}   used ${s(a.used)} of ${s(a.uses)}`);
  if (a.closedReason) lines.push(`closed     ${s(a.closedReason)}`);
  const decisions = Array.isArray(a.decisions) ? (a.decisions as J[]) : [];
  for (const d of decisions)
    lines.push(
      `decision   ${s(d.decision)} by ${s(d.reviewer)} via ${s(d.channel)} at ${s(d.decidedAt)}${d.reason ? `: ${s(d.reason)}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}
