/* global process, setTimeout, AbortController */
// Child process for crash.test.ts: writes calls through the real chain steps against Postgres
// until it is killed with SIGKILL. Every call the "upstream" (forward) receives is appended
// synchronously to a file first, so the parent knows exactly what reached the upstream.
import { appendFileSync } from 'node:fs';
import { newCorrelationId, newNotes, runChain } from '@mcpgate/core';
import { AuditRecorder, createAuditSteps, openPostgres, signingKeyFromPem } from '../dist/index.js';

const [url, schema, pem, receivedFile] = process.argv.slice(2);
const store = await openPostgres({ url, schema });
const rec = await AuditRecorder.start(store, { replicaId: 'crashy', signingKey: signingKeyFromPem(pem) });
const audit = createAuditSteps(rec);
const route = {
  name: 'route',
  onRequest(ctx) {
    ctx.target = { kind: 'tool', upstream: 'files', name: 'write', exposedName: 'files__write' };
    return { kind: 'continue' };
  },
};
const steps = [audit.outer, route, audit.inner];
const identity = { subject: 'os:crash', groups: [], authMethod: 'local' };
const session = { id: 's_crash', face: 'stdio', era: 'legacy', identity, startedAt: new Date() };
const io = { progress: async () => {}, request: async () => ({}), clientCapabilities: undefined };

async function oneCall(i) {
  const ctx = {
    correlationId: newCorrelationId(),
    session,
    method: 'tools/call',
    params: { name: 'files__write', arguments: { i } },
    target: { kind: 'gateway' },
    receivedAt: new Date(),
    signal: new AbortController().signal,
    io,
    notes: newNotes(),
  };
  await runChain(steps, ctx, async (c) => {
    appendFileSync(receivedFile, `${c.correlationId}\n`);
    await new Promise((r) => setTimeout(r, Math.random() * 20));
    return { kind: 'result', result: { content: [{ type: 'text', text: `done ${i}` }] } };
  });
}

process.stdout.write('ready\n');
let i = 0;
async function worker() {
  for (;;) await oneCall(i++);
}
await Promise.all(Array.from({ length: 32 }, worker));
