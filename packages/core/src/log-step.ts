import type { Interceptor } from './chain.js';
import { CONTINUE } from './chain.js';
import type { Logger } from './logger.js';

/**
 * The outermost step: one structured log line per call with its correlation id, target, outcome,
 * total duration and per-step timings. It never sees payloads — arguments and results stay out of
 * logs (they may carry secrets; the audit trail is where payloads go, masked).
 */
export function createLogStep(logger: Logger): Interceptor {
  return {
    name: 'log',
    failMode: 'open',
    onResponse(ctx, outcome) {
      // A completed call logs at debug: below the level (info by default) it builds nothing.
      if (outcome.kind !== 'error' && logger.isLevelEnabled?.('debug') === false) return CONTINUE;
      const ms = Date.now() - ctx.receivedAt.getTime();
      const base = {
        correlationId: ctx.correlationId,
        session: ctx.session.id,
        subject: ctx.session.identity.subject,
        method: ctx.method,
        upstream: ctx.target.upstream,
        name: ctx.target.exposedName ?? ctx.target.uri,
        ms,
        steps: ctx.notes.steps,
      };
      if (outcome.kind === 'error') {
        // A refusal names its policy reason here too: the client may only have been told
        // "unknown tool" (hidden means hidden), but the operator reading the log must see why.
        const d = ctx.notes.decision;
        const decision =
          d && d.action !== 'allow'
            ? { decision: d.action, rule: d.rule ?? 'default', reason: d.reason }
            : {};
        logger.info(
          { ...base, outcome: 'error', code: outcome.error.code, error: outcome.error.message, ...decision },
          'call refused or failed',
        );
      } else {
        const isError = outcome.result.isError === true;
        logger.debug({ ...base, outcome: isError ? 'tool-error' : 'ok' }, 'call completed');
      }
      return CONTINUE;
    },
  };
}
