import { GatewayError, type GatewayErrorCode } from '@mcpgate/core';

/**
 * Why an approval operation was refused. The admin API answers with the matching HTTP status and
 * the CLI with the message; `data.problem` lets a client (the web inbox) branch without parsing text.
 */
export type ApprovalProblem =
  'unknown' | 'closed' | 'expired' | 'not_reviewer' | 'self_approval' | 'duplicate' | 'invalid';

const CODES: Readonly<Record<ApprovalProblem, GatewayErrorCode>> = {
  unknown: 'invalid_params',
  closed: 'invalid_request',
  expired: 'invalid_request',
  not_reviewer: 'forbidden',
  self_approval: 'forbidden',
  duplicate: 'invalid_request',
  invalid: 'invalid_params',
};

export const PROBLEM_HTTP_STATUS: Readonly<Record<ApprovalProblem, number>> = {
  unknown: 404,
  closed: 409,
  expired: 409,
  not_reviewer: 403,
  self_approval: 403,
  duplicate: 409,
  invalid: 400,
};

export function approvalError(
  problem: ApprovalProblem,
  message: string,
  data: Readonly<Record<string, unknown>> = {},
): GatewayError {
  return new GatewayError(CODES[problem], message, { data: { ...data, problem } });
}

export function problemOf(err: unknown): ApprovalProblem | undefined {
  if (!(err instanceof GatewayError)) return undefined;
  const p = err.data?.problem;
  return typeof p === 'string' && p in PROBLEM_HTTP_STATUS ? (p as ApprovalProblem) : undefined;
}
