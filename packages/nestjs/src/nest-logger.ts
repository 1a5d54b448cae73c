import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'tscron';

function detail(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function withDetails(message: string, args: readonly unknown[]): string {
  return args.length === 0 ? message : `${message}: ${args.map(detail).join(' ')}`;
}

/**
 * The scheduler's diagnostics through Nest's `Logger` under `context` (`Scheduler`, where
 * `@nestjs/schedule` logged), so that they follow the application's logger and log levels. An error
 * passed with a message is logged with its stack.
 */
export function nestLogger(context = 'Scheduler'): Logger {
  const logger = new NestLogger(context);
  return {
    debug: (message, ...args) => logger.debug(withDetails(message, args)),
    info: (message, ...args) => logger.log(withDetails(message, args)),
    warn: (message, ...args) => logger.warn(withDetails(message, args)),
    error: (message, ...args) => {
      const error = args.find((arg): arg is Error => arg instanceof Error && typeof arg.stack === 'string');
      if (error === undefined) logger.error(withDetails(message, args));
      else
        logger.error(
          withDetails(
            message,
            args.filter((arg) => arg !== error),
          ),
          error.stack,
        );
    },
  };
}
