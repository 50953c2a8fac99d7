import type { ServerResponse } from 'node:http';
import { HttpProblem, sendProblem } from '@mcpgate/admin-http';
import { isGatewayError, type Identity } from '@mcpgate/core';
import { rolesOf, type RoleGroups } from '../roles.js';

/** Refuses anonymous callers: every console API acts as a proven person or key. */
export function mustBeAuthenticated(identity: Identity, what: string): void {
  if (identity.authMethod === 'none' || identity.subject === 'anonymous')
    throw new HttpProblem(401, 'unauthenticated', `${what} needs an authenticated caller`);
}

/**
 * The `admin` role (console.roles.admin), checked on the server for every admin endpoint: the
 * page hiding a button is a courtesy, this is the rule. Scripts with a bearer token or an API key
 * are held to the same groups.
 */
export function mustBeAdmin(identity: Identity, roles: RoleGroups, what: string): void {
  mustBeAuthenticated(identity, what);
  if (!rolesOf(identity, roles).admin)
    throw new HttpProblem(403, 'forbidden', `${what} needs the admin role (console.roles.admin)`);
}

/** The one error format for whatever a handler threw; a response already under way is just ended. */
export function sendFailure(res: ServerResponse, err: unknown, what: string): void {
  if (res.headersSent) res.end();
  else if (err instanceof HttpProblem) sendProblem(res, err.status, err.code, err.message);
  else if (isGatewayError(err)) sendProblem(res, err.httpStatus, err.code, err.message);
  else sendProblem(res, 500, 'internal', `internal error while ${what}`);
}
