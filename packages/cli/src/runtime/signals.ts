/** Resolves with the signal name on the first SIGINT or SIGTERM (a second one is left to Node: exit at once). */
export function onShutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(sig);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
