import { newNotes, type CallContext, type CallIO } from '../src/call.js';

/** A call context for unit tests of steps; io refuses server→client requests like a client without capabilities. */
export function testContext(overrides: Partial<CallContext> = {}): CallContext {
  const io: CallIO = {
    progress: () => Promise.resolve(),
    request: () => Promise.reject(new Error('no client in unit tests')),
    clientCapabilities: undefined,
  };
  return {
    correlationId: 'c_TEST',
    session: {
      id: 's_TEST',
      face: 'stdio',
      era: 'legacy',
      identity: { subject: 'os:alice', groups: ['dev'], authMethod: 'local' },
      startedAt: new Date(),
    },
    method: 'tools/call',
    params: { name: 'x', arguments: { a: 1 } },
    target: { kind: 'tool', upstream: 'up', name: 'x', exposedName: 'up__x' },
    receivedAt: new Date(),
    signal: new AbortController().signal,
    io,
    notes: newNotes(),
    ...overrides,
  };
}
