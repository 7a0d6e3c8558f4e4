import 'reflect-metadata';
import { loadConfig } from '../../src/config/config';
import { createPgClient } from '../../src/adapters/postgres/sql-client';
import { PostgresVideoStore } from '../../src/adapters/postgres/postgres.video-store';

/**
 * A process that changes a video's status and is SIGKILLed the moment the change commits,
 * before it could do anything else: the outbox must still deliver the change's event.
 * argv: the video id. Configuration from the environment, as the api's.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const store = new PostgresVideoStore(createPgClient(config.database.url!));
  const changed = await store.transition(process.argv[2]!, 'awaiting_upload', 'failed', {
    errorCode: 'upload_incomplete',
    errorMessage: 'killed right after',
  });
  process.stdout.write(changed ? 'changed\n' : 'unchanged\n', () => process.kill(process.pid, 'SIGKILL'));
}

void main();
