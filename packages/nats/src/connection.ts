// The NATS connection the locker and the elector take, and what the server it talks to supports.
/**
 * A `NatsConnection` from `@nats-io/transport-node` (or any other `@nats-io` v3 transport), as
 * returned by `connect()`. tscron never closes it.
 *
 * Typed by the members tscron checks rather than as `@nats-io/nats-core`'s interface, so that the
 * declarations of this package load none of the client's (which do not compile under
 * `exactOptionalPropertyTypes` without `skipLibCheck`) and so that every 3.x release fits.
 */
export interface NatsConnection {
  request(...args: never[]): unknown;
  publish(...args: never[]): unknown;
  subscribe(...args: never[]): unknown;
  /** What the server said about itself when the connection was made. */
  readonly info?: { readonly version: string } | undefined;
}

/** Whether `client` looks like a NATS connection (it has `request`, `publish` and `subscribe`). */
export function isNatsConnection(client: unknown): client is NatsConnection {
  const nc = client as Partial<Record<'request' | 'publish' | 'subscribe', unknown>> | null | undefined;
  return (
    typeof nc?.request === 'function' &&
    typeof nc.publish === 'function' &&
    typeof nc.subscribe === 'function'
  );
}

/** Whether the connected server keeps a TTL per message (nats-server 2.11 and later). */
export function perKeyTtl(nc: NatsConnection): boolean {
  const [major = 0, minor = 0] = (nc.info?.version ?? '0.0.0')
    .split('.')
    .map((part: string) => Number.parseInt(part, 10));
  return major > 2 || (major === 2 && minor >= 11);
}
