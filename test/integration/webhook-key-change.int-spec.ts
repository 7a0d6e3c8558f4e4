/**
 * Changing WEBHOOK_SECRET_KEY (docs/operations.md): secrets sealed under the old key keep
 * working while it is listed in WEBHOOK_SECRET_KEY_PREVIOUS, and the worker's resealer moves every
 * one of them under the new key, against the real PostgreSQL.
 */
import { Client } from 'pg';
import { createPgClient, type SqlClient } from '../../src/adapters/postgres/sql-client';
import { PostgresWebhookStore } from '../../src/adapters/postgres/postgres.webhook-store';
import { open } from '../../src/services/webhooks/secret-box';
import { WebhookSecretResealer } from '../../src/services/webhooks/webhook-secret-resealer';
import { client, startApi, testConfig, token } from '../support/harness';
import { testDatabaseUrl } from '../support/test-env';

const OLD = Buffer.alloc(32, 11);
const NEW = Buffer.alloc(32, 22);

describe('a change of the webhook sealing key', () => {
  let sql: SqlClient;
  let db: Client;

  beforeAll(async () => {
    sql = createPgClient(testDatabaseUrl());
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await sql.close();
  });

  it('reseals every secret sealed under the old key, keeps rotations, and does nothing the second time', async () => {
    const api = await startApi({ WEBHOOK_SECRET_KEY: OLD.toString('base64') });
    const owner = client(api.url, await token('key-changer'));
    const made: Array<{ id: string; secret: string }> = [];
    try {
      for (let i = 0; i < 3; i++) {
        const created = await owner('POST', '/v1/webhooks', { url: `http://127.0.0.1:9/hook-${i}` });
        expect(created.status).toBe(201);
        made.push(created.json);
      }
      // One endpoint mid-rotation: its previous secret is sealed too.
      const rotated = await owner('POST', `/v1/webhooks/${made[0]!.id}/rotate-secret`);
      expect(rotated.status).toBe(201);
      made[0] = { id: made[0]!.id, secret: rotated.json.secret };
    } finally {
      await api.close();
    }

    const config = testConfig({
      WEBHOOK_SECRET_KEY: NEW.toString('base64'),
      WEBHOOK_SECRET_KEY_PREVIOUS: OLD.toString('base64'),
    });
    const resealer = new WebhookSecretResealer(new PostgresWebhookStore(sql), config);
    // Other suites' endpoints in this database are sealed under the development key, which this
    // configuration does not hold: they are counted unreadable and left as they are.
    const first = await resealer.resealAll();
    expect(first.resealed).toBe(3);

    const { rows } = await db.query<{ id: string; secret_sealed: string; previous_sealed: string | null }>(
      'SELECT id, secret_sealed, previous_sealed FROM webhook_endpoints WHERE id = ANY($1)',
      [made.map((m) => m.id)],
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const expected = made.find((m) => m.id === row.id)!.secret;
      expect(open(NEW, row.secret_sealed)).toBe(expected);
      expect(() => open(OLD, row.secret_sealed)).toThrow();
      if (row.previous_sealed) expect(open(NEW, row.previous_sealed)).toMatch(/^whsec_/);
    }
    expect(rows.filter((r) => r.previous_sealed)).toHaveLength(1);
    // Done: nothing is left under the old key.
    expect(await resealer.resealAll()).toEqual({ resealed: 0, unreadable: first.unreadable });
  });
});
