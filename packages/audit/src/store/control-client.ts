import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { SqlResult } from '@mcpgate/core';
import { GatewayError } from '@mcpgate/core';
import { CONTROL_SOCKET, encode, lineReader, type ControlMessage } from './control-wire.js';
import type { ScriptQueryable, Store } from './types.js';

export function controlSocketPath(dir: string): string | undefined {
  const path = join(dir, CONTROL_SOCKET);
  return existsSync(path) ? path : undefined;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/**
 * A `Store` whose statements run in the process that owns the embedded store, over its control
 * socket. Commands use it exactly like the store itself; transactions stay transactions.
 */
export async function openControlStore(path: string, dir: string): Promise<Store> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let closedError: Error | undefined;
  socket.on(
    'data',
    lineReader((raw) => {
      const msg = raw as ControlMessage;
      if ('event' in msg) {
        for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload);
        return;
      }
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) return;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(Object.assign(new Error(msg.error), msg.code ? { code: msg.code } : {}));
    }),
  );
  socket.on('close', () => {
    closedError = new GatewayError('audit_unavailable', 'the gateway that owns the embedded store went away');
    for (const p of pending.values()) p.reject(closedError);
    pending.clear();
  });
  socket.on('error', () => undefined);

  const call = <T>(req: Record<string, unknown>): Promise<T> => {
    if (closedError) return Promise.reject(closedError);
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      socket.write(`${encode({ ...req, id })}\n`);
    });
  };
  // One transaction at a time, like one connection; statements outside wait for it to finish.
  let txChain: Promise<unknown> = Promise.resolve();

  async function transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await call({ op: 'begin' });
      const handle: ScriptQueryable = {
        query: <R>(text: string, params?: readonly unknown[]) =>
          call<SqlResult<R>>({ op: 'query', text, params, tx: true }),
        exec: (script: string) => call<void>({ op: 'exec', script }),
      };
      try {
        const out = await fn(handle);
        await call({ op: 'commit' });
        return out;
      } catch (err) {
        await call({ op: 'rollback' }).catch(() => undefined);
        throw err;
      }
    };
    const result = txChain.then(run, run);
    txChain = result.catch(() => undefined);
    return result;
  }

  return {
    kind: 'pglite',
    description: `embedded store ${dir} (through the running gateway)`,
    async query<R>(text: string, params?: readonly unknown[]) {
      await txChain;
      return call<SqlResult<R>>({ op: 'query', text, params });
    },
    transaction,
    scriptTransaction: transaction,
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(onPayload);
      await call({ op: 'listen', channel });
      return async () => {
        set.delete(onPayload);
        if (set.size === 0) {
          listeners.delete(channel);
          await call({ op: 'unlisten', channel }).catch(() => undefined);
        }
      };
    },
    notify: (channel, payload) => call<void>({ op: 'notify', channel, payload }),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve();
        socket.end(() => resolve());
      }),
  };
}
