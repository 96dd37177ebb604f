/** Resolves on the first SIGINT or SIGTERM: the gateway then closes its sockets and the process exits. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolvePromise) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolvePromise(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
