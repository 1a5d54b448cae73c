// What a client last saw of its connection, read without changing what the client does.
import { isTscronError, TscronError } from 'tscron';
import type { RedisConnection } from './connection.js';

/**
 * Watches a client while calls are pending, so that a call that times out can say why (the server
 * refused the connection, the host is unknown, ...).
 *
 * It never adds an `'error'` listener to a client that has none: ioredis prints "[ioredis] Unhandled
 * error event" only while no listener is attached (and node-redis throws), so one added here would
 * change what the client does. For such a client it reads the error the client's socket was
 * destroyed with instead, where the client keeps it (ioredis' `stream.errored`). A client that has
 * `'error'` listeners already gets one more while calls are pending, which changes nothing it does
 * or prints. Cluster clients also report node failures on events that are never thrown or printed
 * (see {@link RedisConnection.failureEvents}).
 */
export class ConnectionWatch {
  readonly #connection: RedisConnection;
  #pending = 0;
  #events: string[] = [];
  #seen: Error | undefined;
  readonly #record = (error: unknown) => {
    if (error instanceof Error) this.#seen = error;
  };

  constructor(connection: RedisConnection) {
    this.#connection = connection;
  }

  /** Starts watching for one call; the returned function ends it (once). */
  begin(): () => void {
    if (this.#pending++ === 0) this.#attach();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.#pending === 0) this.#detach();
    };
  }

  /** The error the client reported while watched, else the one its socket failed with, if any. */
  lastSeen(): Error | undefined {
    return this.#seen ?? this.#connection.socketError();
  }

  #attach(): void {
    this.#seen = undefined;
    // One listener per event for all pending calls, so that many calls never trip MaxListeners.
    this.#events = this.#connection.failureEvents();
    for (const event of this.#events) this.#connection.client.on(event, this.#record);
  }

  #detach(): void {
    for (const event of this.#events) this.#connection.client.off(event, this.#record);
    this.#events = [];
  }
}

/**
 * `error` with what the client last saw added, when it is an `ERR_LOCK_TIMEOUT` without a cause:
 * the message ends with `; the client last saw: <error message>` and `cause` is that error.
 * Anything else is returned as it is.
 */
export function explainTimeout(error: unknown, seen: Error | undefined): unknown {
  if (seen === undefined || !isTscronError(error, 'ERR_LOCK_TIMEOUT') || error.cause !== undefined) {
    return error;
  }
  return new TscronError('ERR_LOCK_TIMEOUT', `${error.message}; the client last saw: ${seen.message}`, {
    cause: seen,
  });
}
