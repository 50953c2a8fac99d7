import { createServer } from 'node:net';

/**
 * Tries to bind host:port and releases it at once. `serve` does this before it opens the store and
 * starts upstreams (seconds with npx), so a port already in use fails in well under a second with
 * a hint, instead of after everything else has started. (Another process could still take the
 * port in between; the real listen then reports it the same way.)
 */
export function checkPortFree(host: string, port: number): Promise<string | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `${host}:${port} is already in use (another mcpgate serve?); stop that process, or choose another port with --port N or server.port`
          : err.code === 'EACCES'
            ? `no permission to listen on ${host}:${port} (ports below 1024 need privileges); use a port above 1024`
            : `cannot listen on ${host}:${port}: ${err.message}`;
      resolve(why);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * A free port on `host`, for `serve --workers N` with port 0: each worker's listen(0) would get a
 * port of its own, so the primary picks one and every worker listens on it.
 */
export function pickFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
