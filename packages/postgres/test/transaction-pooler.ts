// A stand-in for PgBouncer in transaction mode: each statement outside a transaction runs on any
// server connection, a transaction keeps one connection until COMMIT/ROLLBACK, and whatever relies
// on session state (SET, session advisory locks, named prepared statements, LISTEN, temp tables)
// is refused, as it would silently break behind a real transaction pooler.
import pg from 'pg';

const SESSION_STATE = [
  /^\s*(SET|RESET|PREPARE|LISTEN|UNLISTEN|DECLARE|DISCARD)\b/i,
  /\bpg_(try_)?advisory_lock(_shared)?\s*\(/i,
  /\bTEMP(ORARY)?\s+TABLE\b/i,
];
const BEGIN = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const END = /^\s*(COMMIT|ROLLBACK|END|ABORT)\b/i;

type Result = pg.QueryResult<Record<string, unknown>>;

export class TransactionPooler {
  readonly #servers: Array<{
    client: pg.Client;
    ready: Promise<unknown>;
    pinned: boolean;
    tail: Promise<unknown>;
  }>;
  /** Statements run, for the test's own checks. */
  statements = 0;
  /** Distinct server connections used. */
  readonly used = new Set<number>();
  /** Present so that tscron treats this as a pool (it checks out a connection for transactions). */
  readonly totalCount = 0;

  constructor(connectionString: string, size = 3, applicationName = 'tscron-pooler') {
    this.#servers = Array.from({ length: size }, () => {
      const client = new pg.Client({ connectionString, application_name: applicationName });
      client.on('error', () => undefined);
      const ready = client.connect();
      return { client, ready, pinned: false, tail: ready };
    });
  }

  #check(text: unknown, values?: unknown): string {
    if (typeof text !== 'string')
      throw new Error(`transaction pooler: only text queries, got ${JSON.stringify(text)}`);
    for (const pattern of SESSION_STATE) {
      if (pattern.test(text))
        throw new Error(`transaction pooler: session state is not kept: ${text.slice(0, 60)}`);
    }
    void values;
    return text;
  }

  async #free(): Promise<number> {
    for (;;) {
      const free = this.#servers.map((s, i) => [s, i] as const).filter(([s]) => !s.pinned);
      const pick = free[Math.floor(Math.random() * free.length)];
      if (pick) {
        await pick[0].ready;
        return pick[1];
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async #run(index: number, text: string, values?: unknown[]): Promise<Result> {
    this.statements++;
    this.used.add(index);
    // One statement at a time per server connection, as a real pooler sends them.
    const server = this.#servers[index] as { client: pg.Client; tail: Promise<unknown> };
    const result = server.tail.then(
      () => server.client.query(text, values),
      () => server.client.query(text, values),
    );
    server.tail = result.catch(() => undefined);
    return result as Promise<Result>;
  }

  async query(text: string, values?: unknown[]): Promise<Result> {
    const sql = this.#check(text, values);
    if (BEGIN.test(sql)) throw new Error('transaction pooler: BEGIN outside a checked-out connection');
    return this.#run(await this.#free(), sql, values);
  }

  /** A client connection to the pooler: statements rotate, transactions pin one server. */
  async connect() {
    let pinned: number | undefined;
    const release = () => {
      if (pinned !== undefined) {
        const server = this.#servers[pinned];
        if (server) server.pinned = false;
      }
      pinned = undefined;
    };
    return {
      query: async (text: string, values?: unknown[]): Promise<Result> => {
        const sql = this.#check(text, values);
        if (pinned === undefined && BEGIN.test(sql)) {
          pinned = await this.#free();
          (this.#servers[pinned] as { pinned: boolean }).pinned = true;
        }
        const index = pinned ?? (await this.#free());
        try {
          return await this.#run(index, sql, values);
        } finally {
          if (END.test(sql)) release();
        }
      },
      release: (_error?: unknown) => {
        if (pinned !== undefined) {
          const index = pinned;
          release();
          void this.#servers[index]?.client.query('ROLLBACK').catch(() => undefined);
        }
      },
    };
  }

  async end(): Promise<void> {
    await Promise.all(this.#servers.map((s) => s.client.end().catch(() => undefined)));
  }
}
