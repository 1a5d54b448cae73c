/** Where the scheduler reports what it does. `console` and a pino logger both fit. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const ignore = (): void => {};

/** A logger that drops everything: pass it as `logger` to keep the scheduler quiet, failures included. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
