import { describe, expect, it } from 'vitest';
import { createLogStep, GatewayError, runChain, type Logger, type Outcome } from '../src/index.js';
import { testContext } from './helpers.js';

/** A logger that records what it is asked to write, at a chosen lowest level. */
function recordingLogger(lowest: 'debug' | 'info' | undefined) {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string | undefined }> = [];
  const order = ['debug', 'info', 'warn', 'error'];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
    ...(lowest && { isLevelEnabled: (l: string) => order.indexOf(l) >= order.indexOf(lowest) }),
  };
  return { logger, lines };
}

const ok: Outcome = { kind: 'result', result: { content: [{ type: 'text', text: 'hi' }] } };
const refused: Outcome = { kind: 'error', error: new GatewayError('forbidden', 'denied by rule x') };

describe('log step', () => {
  it('writes a completed call at debug when debug is on, with its ids and no payload', async () => {
    const { logger, lines } = recordingLogger('debug');
    await runChain([createLogStep(logger)], testContext(), () => Promise.resolve(ok));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'debug',
      msg: 'call completed',
      obj: { correlationId: 'c_TEST', session: 's_TEST', name: 'up__x', outcome: 'ok' },
    });
    expect(JSON.stringify(lines[0]!.obj)).not.toContain('hi');
  });

  it('builds nothing for a completed call when debug is below the level', async () => {
    const { logger, lines } = recordingLogger('info');
    await runChain([createLogStep(logger)], testContext(), () => Promise.resolve(ok));
    expect(lines).toEqual([]);
  });

  it('still writes a refusal at info, and logs completed calls when the logger cannot say', async () => {
    const info = recordingLogger('info');
    await runChain([createLogStep(info.logger)], testContext(), () => Promise.resolve(refused));
    expect(info.lines.map((l) => [l.level, l.msg])).toEqual([['info', 'call refused or failed']]);
    const unknown = recordingLogger(undefined);
    await runChain([createLogStep(unknown.logger)], testContext(), () => Promise.resolve(ok));
    expect(unknown.lines.map((l) => l.level)).toEqual(['debug']);
  });
});
