import { approvalsOf, type ApprovalRecord } from '../types.js';
import type { NoticeKind } from '../notifier.js';

export interface ApprovalLinks {
  /** `GET` the approval (JSON) from the admin API. */
  readonly show: string;
  /** `POST` endpoints of the admin API (authenticated: a browser click alone cannot decide). */
  readonly approve: string;
  readonly deny: string;
  /** The approval's page in the web console, where a person signs in and decides. */
  readonly page: string;
}

export function approvalLinks(adminBaseUrl: string, id: string): ApprovalLinks {
  const root = adminBaseUrl.replace(/\/+$/, '');
  const base = `${root}/admin/approvals/${encodeURIComponent(id)}`;
  return {
    show: base,
    approve: `${base}/approve`,
    deny: `${base}/deny`,
    page: `${root}/console/approvals/${encodeURIComponent(id)}`,
  };
}

const HEADLINES: Readonly<Record<NoticeKind, string>> = {
  requested: 'Approval requested',
  decision: 'Approval in progress',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired without a decision',
  cancelled: 'Cancelled',
  executed: 'Approved call executed',
};

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);
// Slack mrkdwn: these three are the only characters that must be escaped.
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A ready Slack message (incoming-webhook `text` + Block Kit `blocks`): what is asked, by whom,
 * the arguments, and approve/deny buttons opening the approval in the web console, plus the CLI
 * commands to decide.
 */
export function slackMessage(
  kind: NoticeKind,
  a: ApprovalRecord,
  links: ApprovalLinks | undefined,
): Record<string, unknown> {
  const who = a.requesterName ? `${a.requesterName} (${a.requester})` : a.requester;
  const headline = `${HEADLINES[kind]}: ${a.id} — ${a.upstream} / ${a.tool}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(headline, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Requester*\n${esc(who)}` },
        { type: 'mrkdwn', text: `*Tool*\n\`${esc(a.upstream)}\` / \`${esc(a.tool)}\`` },
        {
          type: 'mrkdwn',
          text: `*Approvals*\n${approvalsOf(a)} of ${a.required} (reviewers: ${esc(a.reviewers.join(', '))})`,
        },
        { type: 'mrkdwn', text: `*Status*\n${a.status}${a.rule ? ` (rule \`${esc(a.rule)}\`)` : ''}` },
      ],
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Arguments*\n\`\`\`${esc(cut(a.argsSummary, 2500))}\`\`\`` },
    },
  ];
  for (const d of a.decisions) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: esc(
            `${d.decision === 'approve' ? 'approved' : 'denied'} by ${d.reviewer} via ${d.channel}${d.reason ? `: ${d.reason}` : ''}`,
          ),
        },
      ],
    });
  }
  if (a.status === 'requested') {
    if (links) {
      blocks.push({
        type: 'actions',
        elements: [
          {
            type: 'button',
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            url: `${links.page}?decide=approve`,
            action_id: 'approve',
          },
          {
            type: 'button',
            style: 'danger',
            text: { type: 'plain_text', text: 'Deny' },
            url: `${links.page}?decide=deny`,
            action_id: 'deny',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Details' },
            url: links.page,
            action_id: 'show',
          },
        ],
      });
    }
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: esc(
            `Decide by ${a.expiresAt.toISOString()}: mcpgate approvals approve ${a.id}  |  mcpgate approvals deny ${a.id} --reason "…"`,
          ),
        },
      ],
    });
  } else if (a.closedReason) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: esc(a.closedReason) }] });
  }
  return { text: `${headline} (requested by ${who})`, blocks };
}
