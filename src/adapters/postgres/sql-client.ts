import { Pool } from 'pg';
import { DomainError } from '../../domain/errors';

export interface Queryable {
  /**
   * `name` makes it a prepared statement on each connection, parsed and planned once there: for a
   * statement run very often whose planning is a good part of its cost.
   */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], name?: string): Promise<{ rows: R[] }>;
  /** Runs a script of several statements (no parameters), such as a migration. */
  exec(script: string): Promise<void>;
}

/** The one seam between Velvet's SQL and a PostgreSQL engine (a server, or embedded PGlite). */
export interface SqlClient extends Queryable {
  /** Runs `fn` in one transaction on one connection. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createPgClient(url: string): SqlClient {
  // A small pool: the api is stateless and scales by replicas, and each PostgreSQL connection
  // costs the server a process.
  const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return {
    query: async <R>(text: string, params?: readonly unknown[], name?: string) =>
      (await pool
        .query(name ? { name, text, values: params as unknown[] } : { text, values: params as unknown[] })
        .catch(unavailable)) as unknown as { rows: R[] },
    exec: async (script) => void (await pool.query(script).catch(unavailable)),
    async transaction(fn) {
      const client = await pool.connect().catch(unavailable);
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R>(text: string, params?: readonly unknown[]) =>
            (await client.query(text, params as unknown[])) as unknown as { rows: R[] },
          exec: async (script) => void (await client.query(script)),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        return unavailable(error);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

// SQLSTATE classes meaning the server is gone or going (08: connection exception, 57P: operator
// intervention such as a shutdown) rather than a problem with the statement.
const UNAVAILABLE_STATE = /^(08|57P)/;
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * A lost database answers 503 `dependency_unavailable` (retried by jobs, Retry-After for clients),
 * never a 500; any other error is passed on as it is.
 */
function unavailable(error: unknown): never {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if ((typeof code === 'string' && UNAVAILABLE_STATE.test(code)) || UNAVAILABLE_MESSAGE.test(message)) {
    throw new DomainError(
      'dependency_unavailable',
      `The database is unavailable (${typeof code === 'string' ? code : message.slice(0, 80)}).`,
    );
  }
  throw error;
}

// PGlite is single-process: `npm run dev` runs the api and the worker in one process, and both
// must share one instance per data folder (two would corrupt it). Closed when the last user closes.
const embedded = new Map<string, { client: Promise<SqlClient>; users: number }>();

/** Embedded PostgreSQL (WebAssembly) for `npm run dev` only, persisted under `dataDir`. */
export function createPgliteClient(dataDir: string): Promise<SqlClient> {
  const shared = embedded.get(dataDir) ?? { client: openPglite(dataDir), users: 0 };
  shared.users++;
  embedded.set(dataDir, shared);
  return shared.client.then((client) => ({
    ...client,
    async close() {
      if (--shared.users > 0) return;
      embedded.delete(dataDir);
      await client.close();
    },
  }));
}

async function openPglite(dataDir: string): Promise<SqlClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir);
  return {
    query: async (text, params) => db.query(text, params as unknown[]),
    exec: async (script) => void (await db.exec(script)),
    transaction: async (fn) =>
      db.transaction(async (tx) =>
        fn({
          query: async (text, params) => tx.query(text, params as unknown[]),
          exec: async (script) => void (await tx.exec(script)),
        }),
      ),
    close: () => db.close(),
  };
}
