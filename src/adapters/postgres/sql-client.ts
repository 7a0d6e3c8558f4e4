import { Pool } from 'pg';

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
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
    query: async <R>(text: string, params?: readonly unknown[]) =>
      (await pool.query(text, params as unknown[])) as unknown as { rows: R[] },
    exec: async (script) => void (await pool.query(script)),
    async transaction(fn) {
      const client = await pool.connect();
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
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
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
