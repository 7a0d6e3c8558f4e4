// tsc copies only TypeScript output; the SQL migrations ride along next to their runner.
import { cpSync } from 'node:fs';

cpSync('src/adapters/postgres/migrations', 'dist/src/adapters/postgres/migrations', { recursive: true });
