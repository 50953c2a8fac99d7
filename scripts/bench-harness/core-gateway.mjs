#!/usr/bin/env node
// Benchmark harness only (not the product): the core data path — stdio face, session, chain with
// the log step, route, upstream pool — composed WITHOUT the audit trail, to measure what the core
// path itself adds. `mcpgate stdio` always records; this exists so the two can be told apart.
import { createLogStep, DEFAULT_NAMING, Gateway } from '@mcpgate/core';
import { serveGatewayStdio } from '@mcpgate/faces';
import { createUpstreamPool } from '@mcpgate/upstream';
import { pino } from 'pino';

const [command, ...args] = process.argv.slice(2);
const logger = pino({ level: 'warn' }, pino.destination({ fd: 2, sync: false }));
const pool = createUpstreamPool({
  specs: [
    {
      name: 'everything',
      prefix: 'ev',
      transport: 'stdio',
      command,
      args,
      env: {},
      headers: {},
      sharing: 'shared',
      era: 'legacy',
      requestTimeoutMs: 60_000,
      startTimeoutMs: 30_000,
      restart: { maxRestarts: 3, initialDelayMs: 200, maxDelayMs: 5000 },
      maxMessageBytes: 4 << 20,
    },
  ],
  logger,
});
const gateway = new Gateway({
  pool,
  steps: { outer: [createLogStep(logger)], inner: [] },
  naming: DEFAULT_NAMING,
  logger,
});
await gateway.start();
const face = serveGatewayStdio({
  gateway,
  logger,
  name: 'mcpgate',
  version: 'bench',
  maxMessageBytes: 4 << 20,
});
await face.closed;
await gateway.close();
