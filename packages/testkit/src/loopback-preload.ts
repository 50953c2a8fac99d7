/**
 * Loaded with `node --import` in front of third-party servers that listen on all interfaces by
 * default (server-everything's express apps call `listen(PORT)`): a listen() that names no host
 * binds 127.0.0.1 instead, so test servers are never reachable from outside the machine.
 */
import net from 'node:net';

type Listen = (...args: unknown[]) => net.Server;
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with apply() below
const original = net.Server.prototype.listen as unknown as Listen;

function withLoopback(args: unknown[]): unknown[] {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null && !('path' in first)) {
    const opts = first as net.ListenOptions;
    return opts.host === undefined ? [{ ...opts, host: '127.0.0.1' }, ...args.slice(1)] : args;
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb]): insert a host when the second argument is not one.
    if (typeof second === 'string') return args;
    return [Number(first), '127.0.0.1', ...args.slice(1)];
  }
  return args;
}

net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]): net.Server {
  return original.apply(this, withLoopback(args));
} as typeof net.Server.prototype.listen;
