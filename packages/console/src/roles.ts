import type { Identity } from '@mcpgate/core';

export interface RoleGroups {
  readonly auditor: readonly string[];
  readonly admin: readonly string[];
}

export interface ConsoleRoles {
  /** Reads every session and the whole audit trail. */
  readonly auditor: boolean;
  /** Manages API keys and tool pins, sees upstream health. */
  readonly admin: boolean;
}

/** Roles from the caller's groups. Reviewing is not a console role: each policy rule names its reviewers. */
export function rolesOf(identity: Pick<Identity, 'groups'>, groups: RoleGroups): ConsoleRoles {
  const has = (list: readonly string[]) => identity.groups.some((g) => list.includes(g));
  return { auditor: has(groups.auditor), admin: has(groups.admin) };
}
