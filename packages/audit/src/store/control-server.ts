import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@mcpgate/core';
import {
  CONTROL_SOCKET,
  encode,
  lineReader,
  type ControlMessage,
  type ControlRequest,
} from './control-wire.js';
import type { ScriptQueryable, Store } from './types.js';

/** A CLI transaction holding the embedded store longer than this is rolled back (the data path waits on it). */
const TX_LIMIT_MS = 30_000;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * The local control channel of the process that owns the embedded store: other `mcpgate`
 * commands of the same OS user run their store statements here instead of failing on the lock.
 * The socket is owner-only (0600) inside the owner's store directory, so the peer is the OS user
 * who owns the store — the identity local commands act as anyway. A command's transaction runs
 * as one transaction of the store; a dropped connection rolls it back.
 */
export async function serveStoreControl(store: Store, dir: string, logger?: Logger): Promise<ControlServer> {
  const path = join(dir, CONTROL_SOCKET);
  rmSync(path, { force: true }); // a socket left by a process killed with -9
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(store, socket, logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // umask-independent: owner-only from the first instant would need a listen option Node lacks,
    // so the directory's own permissions cover the moment before the chmod.
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(path, { force: true });
    },
  };
}

function serveConnection(store: Store, socket: Socket, logger?: Logger): void {
  const send = (m: ControlMessage) => socket.write(`${encode(m)}\n`);
  const listeners = new Map<string, () => Promise<void>>();
  let tx: { handle: ScriptQueryable; finish: (commit: boolean) => void; done: Promise<unknown> } | undefined;
  let queue = Promise.resolve();

  const begin = (): Promise<void> =>
    new Promise<void>((started, failed) => {
      let finish!: (commit: boolean) => void;
      const decided = new Promise<boolean>((r) => (finish = r));
      const timer = setTimeout(() => finish(false), TX_LIMIT_MS);
      const done = store
        .scriptTransaction(async (handle) => {
          tx = { handle, finish, done };
          started();
          if (!(await decided)) throw new RollBack();
        })
        .catch((err: unknown) => {
          if (!(err instanceof RollBack)) throw err;
        })
        .finally(() => {
          clearTimeout(timer);
          tx = undefined;
        });
      done.catch((err: unknown) => failed(err instanceof Error ? err : new Error(String(err))));
    });

  async function handle(req: ControlRequest): Promise<unknown> {
    switch (req.op) {
      case 'query':
        if (req.tx) {
          if (!tx) throw new Error('no transaction is open');
          return tx.handle.query(req.text, req.params);
        }
        return store.query(req.text, req.params);
      case 'exec':
        if (!tx) throw new Error('scripts run only inside a transaction');
        return tx.handle.exec(req.script);
      case 'begin':
        if (tx) throw new Error('a transaction is already open');
        return begin();
      case 'commit':
      case 'rollback': {
        const t = tx;
        if (!t) throw new Error('no transaction is open');
        t.finish(req.op === 'commit');
        await t.done;
        return undefined;
      }
      case 'notify':
        return store.notify(req.channel, req.payload);
      case 'listen': {
        if (!listeners.has(req.channel))
          listeners.set(
            req.channel,
            await store.listen(req.channel, (payload) =>
              send({ event: 'notify', channel: req.channel, payload }),
            ),
          );
        return undefined;
      }
      case 'unlisten': {
        const off = listeners.get(req.channel);
        listeners.delete(req.channel);
        await off?.();
        return undefined;
      }
    }
  }

  socket.on(
    'data',
    lineReader((msg) => {
      const req = msg as ControlRequest;
      // One statement at a time per connection, in order, as on a database connection.
      queue = queue.then(async () => {
        try {
          send({ id: req.id, ok: true, result: await handle(req) });
        } catch (err) {
          const e = err as { message?: string; code?: string };
          send({
            id: req.id,
            ok: false,
            error: e.message ?? String(err),
            ...(e.code ? { code: e.code } : {}),
          });
        }
      });
    }),
  );
  socket.once('close', () => {
    tx?.finish(false);
    for (const off of listeners.values()) void off();
    listeners.clear();
  });
  socket.on('error', (err) => logger?.debug({ err: err.message }, 'control connection error'));
}

class RollBack extends Error {}
