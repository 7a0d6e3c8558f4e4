/**
 * A delivery keeps its tries (GET …/deliveries lists them), the newest MAX_KEPT_ATTEMPTS of them,
 * against the real PostgreSQL.
 */
import { migrate } from '../../src/adapters/postgres/migrator';
import { createPgClient, type SqlClient } from '../../src/adapters/postgres/sql-client';
import { PostgresWebhookStore } from '../../src/adapters/postgres/postgres.webhook-store';
import { newPrefixedId } from '../../src/domain/ids';
import { MAX_KEPT_ATTEMPTS } from '../../src/ports/webhook-store';
import { testDatabaseUrl } from '../support/test-env';

describe('a delivery’s attempts', () => {
  let sql: SqlClient;
  beforeAll(async () => {
    sql = createPgClient(testDatabaseUrl());
    await migrate(sql);
  });
  afterAll(() => sql.close());

  it('records each try in order and keeps the newest MAX_KEPT_ATTEMPTS', async () => {
    const store = new PostgresWebhookStore(sql);
    const endpoint = await store.createEndpoint(
      {
        id: newPrefixedId('wh'),
        ownerId: 'attempt-keeper',
        url: 'https://hooks.example.com/x',
        events: null,
        description: null,
        scope: 'own',
      },
      'v1.sealed',
    );
    const body = { id: newPrefixedId('msg'), type: 'webhook.test', createdAt: new Date().toISOString(), data: {} };
    const delivery = await store.createDelivery(endpoint.id, body as never);
    expect(delivery.attempts).toEqual([]);
    const tries = MAX_KEPT_ATTEMPTS + 5;
    for (let attempt = 1; attempt <= tries; attempt++) {
      const recorded = await store.recordAttempt(delivery.id, {
        attempt,
        status: attempt === tries ? 'succeeded' : 'pending',
        responseStatus: attempt === tries ? 204 : 500,
        durationMs: attempt,
        error: attempt === tries ? null : 'HTTP 500',
        nextAttemptAt: attempt === tries ? null : new Date(),
      });
      expect(recorded?.attempts.at(-1)).toMatchObject({ attempt, durationMs: attempt });
    }
    const kept = (await store.findDelivery(delivery.id))!.attempts;
    expect(kept).toHaveLength(MAX_KEPT_ATTEMPTS);
    expect(kept.map((a) => a.attempt)).toEqual(Array.from({ length: MAX_KEPT_ATTEMPTS }, (_, i) => i + 6));
    expect(kept.at(-1)).toMatchObject({ responseStatus: 204, error: null });
    expect(kept[0]).toMatchObject({ responseStatus: 500, error: 'HTTP 500' });
    expect(kept[0]!.at).toBeInstanceOf(Date);
    await store.deleteEndpoint(endpoint.id);
  });
});
