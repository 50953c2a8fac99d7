import {
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { DEFAULT_MAX_JSON_DEPTH, GatewayError, type Logger, type UpstreamSpec } from '@mcpgate/core';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { descendants, endProcesses } from './process-tree.js';
import { BoundedLineReader, guardInboundDepth } from './inbound-limits.js';
import { authorizingFetch } from './oauth/authorize-fetch.js';
import { limitedFetch } from './size-limit.js';
import { traceHeadersFetch } from './trace-headers.js';

/** Stderr lines quoted when a start fails: enough for an npm 404 or a stack trace's head. */
const TAIL_LINES = 6;
/** Lines that never say why: npm's blank "404" lines and its pointer to a debug log. */
const NOISE = /^npm (?:error|ERR!)(?: 404)?\s*$|complete log of this run can be found/;

/** Longest stderr line kept (the rest is cut) — a child printing without newlines must not grow memory. */
const MAX_STDERR_LINE = 8 * 1024;

export interface BuiltTransport {
  readonly transport: Transport;
  /** The child's pid for stdio upstreams, once started. */
  pid(): number | undefined;
  /** The child's last stderr line, if any. */
  lastStderr(): string | undefined;
  /** The child's last few meaningful stderr lines (quoted first in start failures: they say why). */
  stderrTail(): string[];
  /** How the child ended, read directly ("exit code 1"), when it has already ended. */
  endedNow(): string | undefined;
  /** How the child ended ("exit code 3", "signal SIGKILL"), once it has; call `watchExit` after start. */
  exitDescription(): string | undefined;
  /** Starts watching the spawned child (the SDK spawns it during connect). */
  watchExit(): void;
}

/**
 * Builds the SDK transport for one connection to `spec`. Everything comes from operator config:
 * a stdio child gets exactly the configured command/args/cwd and an environment of the SDK's safe
 * defaults (HOME, LOGNAME, PATH, SHELL, TERM, USER) plus `spec.env` — never the gateway's whole
 * environment; remotes get `spec.headers`, the gateway's own credentials, never a client's token.
 */
/** `onDropped`: an oversized message was discarded on a stream that serves no single request. */
export function buildTransport(spec: UpstreamSpec, logger: Logger, onDropped: () => void): BuiltTransport {
  if (spec.transport === 'stdio') {
    if (!spec.command) {
      throw new GatewayError('internal', `upstream "${spec.name}" is a stdio upstream without a command`);
    }
    const transport = new TreeEndingStdioTransport({
      command: spec.command,
      args: [...spec.args],
      env: { ...spec.env },
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      stderr: 'pipe',
    });
    transport.bound(spec, logger, onDropped);
    let last: string | undefined;
    const tail: string[] = [];
    const stderr = transport.stderr as Readable | null;
    if (stderr) {
      forwardLines(stderr, (line) => {
        last = line;
        if (!NOISE.test(line)) {
          tail.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
          if (tail.length > TAIL_LINES) tail.shift();
        }
        logger.info({ upstream: spec.name, stderr: line }, 'upstream stderr');
      });
    }
    let exit: string | undefined;
    return {
      transport,
      pid: () => transport.pid ?? undefined,
      lastStderr: () => last,
      stderrTail: () => [...tail],
      endedNow: () => {
        if (transport.ended !== undefined) return transport.ended;
        const child = (transport as unknown as { _process?: ChildProcess })._process;
        if (child?.signalCode) return `signal ${child.signalCode}`;
        return typeof child?.exitCode === 'number' ? `exit code ${child.exitCode}` : undefined;
      },
      exitDescription: () => exit,
      watchExit: () => {
        // The SDK keeps the ChildProcess private; the exit code is worth reaching for (it is what an
        // operator needs first), and without it we simply say "exited".
        const child = (transport as unknown as { _process?: ChildProcess })._process;
        child?.once('exit', (code, signal) => {
          exit = signal ? `signal ${signal}` : `exit code ${code}`;
        });
      },
    };
  }
  if (!spec.url) {
    throw new GatewayError('internal', `upstream "${spec.name}" is a remote upstream without a url`);
  }
  const url = new URL(spec.url);
  const sized = limitedFetch(spec.maxMessageBytes, onDropped);
  const options = {
    requestInit: { headers: { ...spec.headers } },
    // The hook for credentials computed per request (upstreams.<name>.oauth): see oauth/.
    fetch: traceHeadersFetch(spec.authorize ? authorizingFetch(sized, spec.authorize) : sized),
  };
  const transport =
    spec.transport === 'sse'
      ? new SSEClientTransport(url, options)
      : new StreamableHTTPClientTransport(url, options);
  guardInboundDepth(transport, spec.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH, logger);
  return {
    transport,
    pid: () => undefined,
    lastStderr: () => undefined,
    stderrTail: () => [],
    endedNow: () => undefined,
    exitDescription: () => undefined,
    watchExit: () => undefined,
  };
}

/**
 * The SDK's stdio transport ends the process it spawned (stdin close, then SIGTERM and SIGKILL,
 * 2 s apart). A configured command is often a launcher — `npx`, `uvx`, `sh -c` — whose server runs
 * as its child and is not always told: killing the launcher would leave the server running,
 * orphaned, and a launcher waiting on a server that ignores stdin EOF makes every close take 4 s.
 * So the process tree is read before closing; what of it still runs after a short grace is ended
 * (SIGTERM, then SIGKILL), which also lets the launcher exit.
 */
class TreeEndingStdioTransport extends StdioClientTransport {
  /**
   * Puts our read buffer in place of the SDK's (see BoundedLineReader): an oversized or over-deep
   * line fails only the message it was, instead of closing the connection.
   */
  bound(spec: UpstreamSpec, logger: Logger, onDropped: () => void): void {
    const reader = new BoundedLineReader(spec.maxMessageBytes, spec.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH, {
      answerRequest: (id, message) => {
        logger.error({ upstream: spec.name, reason: message }, 'refused an upstream request');
        this.send({
          jsonrpc: '2.0',
          id,
          error: { code: -32600, message: `Invalid Request: ${message}` },
        }).catch(() => undefined);
      },
      dropped: (message, why) => {
        logger.error({ upstream: spec.name, reason: message }, 'dropped an upstream message');
        if (why === 'size') onDropped();
      },
    });
    (this as unknown as { _readBuffer: BoundedLineReader })._readBuffer = reader;
  }

  /** How the child ended ("exit code 1", "signal SIGKILL"), caught when it does. */
  ended: string | undefined;

  override async start(): Promise<void> {
    await super.start();
    // The SDK keeps the ChildProcess private and forgets it on close; the exit code is what an
    // operator needs first when a server fails to start, so it is caught here as it happens.
    const child = (this as unknown as { _process?: ChildProcess })._process;
    child?.once('exit', (code, signal) => {
      this.ended = signal ? `signal ${signal}` : `exit code ${code}`;
    });
  }

  private corked = false;

  /**
   * Messages sent in one turn of the event loop leave in one pipe write: when a group commit
   * lands, every call it carried is forwarded in the same turn, and one write per message cost a
   * system call and a wake-up of the upstream each (the largest native item in the stdio
   * profile). The stream is corked at the first message of a turn and uncorked after the turn.
   */
  override send(message: JSONRPCMessage): Promise<void> {
    const stdin = (this as unknown as { _process?: ChildProcess })._process?.stdin;
    if (stdin && !this.corked && stdin.writable) {
      this.corked = true;
      stdin.cork();
      process.nextTick(() => {
        this.corked = false;
        stdin.uncork();
      });
    }
    return super.send(message);
  }

  override async close(): Promise<void> {
    const pid = this.pid;
    const below = pid === null ? [] : descendants(pid);
    const closing = super.close();
    await Promise.race([closing, new Promise((r) => setTimeout(r, TREE_GRACE_MS).unref())]);
    await Promise.all([closing, endProcesses(below)]);
  }
}

/** How long a launched server has to exit on stdin EOF before it is signalled. */
const TREE_GRACE_MS = 500;

/** Splits a byte stream into lines for the logger, cutting overlong lines instead of buffering them. */
function forwardLines(stream: Readable, emit: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).replace(/\r$/, '');
      partial = partial.slice(nl + 1);
      if (line.length > 0) emit(line.slice(0, MAX_STDERR_LINE));
    }
    if (partial.length > MAX_STDERR_LINE) {
      emit(`${partial.slice(0, MAX_STDERR_LINE)}…(cut)`);
      partial = '';
    }
  });
  stream.on('end', () => {
    if (partial.length > 0) emit(partial.slice(0, MAX_STDERR_LINE));
    partial = '';
  });
  stream.on('error', () => undefined);
}
