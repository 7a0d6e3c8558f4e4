import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlClient } from './sql-client';

const MIGRATIONS_DIR = join(__dirname, 'migrations');
// Any constant works; it only has to be the same for every process running migrations.
const MIGRATION_LOCK = 727_001;

/**
 * Applies the repository's SQL migrations in file-name order, each once, in one transaction
 * under an advisory lock, so api and worker replicas starting together cannot race.
 */
export async function migrate(sql: SqlClient, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const scripts = await Promise.all(files.map(async (f) => ({ id: f, text: await readFile(join(dir, f), 'utf8') })));
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const script of scripts.filter((s) => !done.has(s.id))) {
      await tx.exec(script.text);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [script.id]);
      applied.push(script.id);
    }
    return applied;
  });
}
