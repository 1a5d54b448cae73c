// Process signals for `tscron run`: drain on the first stop signal, kill on the second, reload on HUP.

/** What the signals do. */
export interface SignalActions {
  /** First SIGTERM/SIGINT: stop scheduling and drain; resolves the exit code. */
  drain(signal: NodeJS.Signals): Promise<number>;
  /** A second SIGTERM/SIGINT: kill what runs. */
  kill(): void;
  reload(): void;
  exit(code: number): void;
}

/** Installs the handlers; returns a function that removes them. */
export function handleSignals(actions: SignalActions): () => void {
  let draining = false;
  const stop = (signal: NodeJS.Signals) => {
    if (draining) {
      actions.kill();
      actions.exit(1);
      return;
    }
    draining = true;
    void actions.drain(signal).then(actions.exit, () => actions.exit(1));
  };
  const hangUp = () => actions.reload();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', hangUp);
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', hangUp);
  };
}
