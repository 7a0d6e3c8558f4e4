import { Inject, Injectable } from '@nestjs/common';
import { newPrefixedId } from '../../domain/ids';
import type { EventBody } from '../../domain/video-events';
import {
  MAX_KEPT_ATTEMPTS,
  WebhookStore,
  type AttemptResult,
  type DeliveryAttemptText,
  type DeliveryStatus,
  type SealedSecrets,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../ports/webhook-store';
import { SQL_CLIENT } from './postgres.video-store';
import type { SqlClient } from './sql-client';

interface EndpointRow {
  id: string;
  owner_id: string;
  url: string;
  events: string[] | null;
  description: string | null;
  scope: 'own' | 'all';
  secret_sealed: string;
  previous_sealed: string | null;
  previous_until: Date | null;
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
  failing_since: Date | null;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  type: string;
  body: EventBody;
  attempt: number;
  status: DeliveryStatus;
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  next_attempt_at: Date | null;
  attempts: DeliveryAttemptText[];
  created_at: Date;
  updated_at: Date;
}

interface EventRow {
  seq: string;
  id: string;
  type: string;
  owner_id: string;
  body: EventBody;
}

const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  ownerId: r.owner_id,
  url: r.url,
  events: r.events,
  description: r.description,
  scope: r.scope,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  disabledAt: r.disabled_at,
  failingSince: r.failing_since,
});

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  endpointId: r.endpoint_id,
  eventId: r.event_id,
  type: r.type,
  attempt: r.attempt,
  status: r.status,
  responseStatus: r.response_status,
  durationMs: r.duration_ms,
  error: r.error,
  nextAttemptAt: r.next_attempt_at,
  attempts: r.attempts.map((a) => ({ ...a, at: new Date(a.at) })),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const DELIVERY_COLUMNS =
  'id, endpoint_id, event_id, type, attempt, status, response_status, duration_ms, error, next_attempt_at, attempts, created_at, updated_at';

@Injectable()
export class PostgresWebhookStore extends WebhookStore {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {
    super();
  }

  async createEndpoint(
    e: Omit<WebhookEndpoint, 'createdAt' | 'updatedAt' | 'disabledAt' | 'failingSince'>,
    sealedSecret: string,
  ): Promise<WebhookEndpoint> {
    const { rows } = await this.sql.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (id, owner_id, url, events, description, scope, secret_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [e.id, e.ownerId, e.url, e.events, e.description, e.scope, sealedSecret],
    );
    return toEndpoint(rows[0]!);
  }

  async findEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const { rows } = await this.sql.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1', [id]);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async listEndpoints(ownerId: string): Promise<WebhookEndpoint[]> {
    const { rows } = await this.sql.query<EndpointRow>(
      'SELECT * FROM webhook_endpoints WHERE owner_id = $1 ORDER BY created_at, id',
      [ownerId],
    );
    return rows.map(toEndpoint);
  }

  async updateEndpoint(
    id: string,
    patch: { url?: string; events?: readonly string[] | null; description?: string | null; enabled?: boolean },
  ): Promise<WebhookEndpoint | null> {
    // Each column is written only when the patch names it ($n::boolean flags).
    const { rows } = await this.sql.query<EndpointRow>(
      `UPDATE webhook_endpoints SET
         url = CASE WHEN $2::boolean THEN $3 ELSE url END,
         events = CASE WHEN $4::boolean THEN $5::text[] ELSE events END,
         description = CASE WHEN $6::boolean THEN $7 ELSE description END,
         disabled_at = CASE WHEN $8::boolean THEN (CASE WHEN $9::boolean THEN NULL ELSE COALESCE(disabled_at, now()) END) ELSE disabled_at END,
         failing_since = CASE WHEN $8::boolean AND $9::boolean THEN NULL ELSE failing_since END,
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [
        id,
        patch.url !== undefined,
        patch.url ?? null,
        patch.events !== undefined,
        patch.events ?? null,
        patch.description !== undefined,
        patch.description ?? null,
        patch.enabled !== undefined,
        patch.enabled ?? false,
      ],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const { rows } = await this.sql.query('DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async endpointWithSecrets(id: string): Promise<{ endpoint: WebhookEndpoint; sealed: SealedSecrets } | null> {
    const { rows } = await this.sql.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1', [id]);
    const r = rows[0];
    return r
      ? {
          endpoint: toEndpoint(r),
          sealed: { current: r.secret_sealed, previous: r.previous_sealed, previousUntil: r.previous_until },
        }
      : null;
  }

  async rotateSecret(id: string, sealedSecret: string, previousUntil: Date): Promise<boolean> {
    const { rows } = await this.sql.query(
      `UPDATE webhook_endpoints SET previous_sealed = secret_sealed, previous_until = $3, secret_sealed = $2, updated_at = now()
       WHERE id = $1 RETURNING id`,
      [id, sealedSecret, previousUntil],
    );
    return rows.length > 0;
  }

  async sealedSecretsPage(
    afterId: string | null,
    limit: number,
  ): Promise<Array<{ id: string; current: string; previous: string | null }>> {
    const { rows } = await this.sql.query<{ id: string; secret_sealed: string; previous_sealed: string | null }>(
      `SELECT id, secret_sealed, previous_sealed FROM webhook_endpoints WHERE ($1::text IS NULL OR id > $1)
       ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, current: r.secret_sealed, previous: r.previous_sealed }));
  }

  async resealSecrets(
    id: string,
    was: { current: string; previous: string | null },
    now: { current: string; previous: string | null },
  ): Promise<boolean> {
    const { rows } = await this.sql.query(
      `UPDATE webhook_endpoints SET secret_sealed = $4, previous_sealed = $5
       WHERE id = $1 AND secret_sealed = $2 AND previous_sealed IS NOT DISTINCT FROM $3 RETURNING id`,
      [id, was.current, was.previous, now.current, now.previous],
    );
    return rows.length > 0;
  }

  async relayEvents(
    limit: number,
    wants: (endpoint: WebhookEndpoint, event: { ownerId: string; type: string }) => boolean,
  ): Promise<string[]> {
    return this.sql.transaction(async (tx) => {
      // Committed events only, each claimed by one relay: another relay skips the locked rows.
      const { rows: events } = await tx.query<EventRow>(
        `SELECT seq, id, type, owner_id, body FROM video_events WHERE relayed_at IS NULL
         ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (events.length === 0) return [];
      const owners = [...new Set(events.map((e) => e.owner_id))];
      const { rows: endpoints } = await tx.query<EndpointRow>(
        `SELECT * FROM webhook_endpoints WHERE disabled_at IS NULL AND (owner_id = ANY($1::text[]) OR scope = 'all')`,
        [owners],
      );
      const subscribed = endpoints.map(toEndpoint);
      const pairs = events.flatMap((event) =>
        subscribed
          .filter((e) => wants(e, { ownerId: event.owner_id, type: event.type }))
          .map((endpoint) => ({ event, endpoint })),
      );
      // One statement for the whole pass, however many endpoints want how many events.
      const { rows } = pairs.length
        ? await tx.query<{ id: string }>(
            `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, type, body, status, next_attempt_at)
             SELECT d.id, d.endpoint_id, d.event_id, d.type, d.body::jsonb, 'pending', now()
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d(id, endpoint_id, event_id, type, body)
             ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id`,
            [
              pairs.map(() => newPrefixedId('dlv')),
              pairs.map((p) => p.endpoint.id),
              pairs.map((p) => p.event.id),
              pairs.map((p) => p.event.type),
              pairs.map((p) => JSON.stringify(p.event.body)),
            ],
          )
        : { rows: [] };
      await tx.query('UPDATE video_events SET relayed_at = now() WHERE seq = ANY($1::bigint[])', [
        events.map((e) => e.seq),
      ]);
      return rows.map((r) => r.id);
    });
  }

  async createDelivery(endpointId: string, body: EventBody): Promise<WebhookDelivery> {
    const { rows } = await this.sql.query<DeliveryRow>(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, type, body, status, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, 'pending', now()) RETURNING ${DELIVERY_COLUMNS}`,
      [newPrefixedId('dlv'), endpointId, body.id, body.type, JSON.stringify(body)],
    );
    return toDelivery(rows[0]!);
  }

  async findDelivery(id: string): Promise<(WebhookDelivery & { body: EventBody }) | null> {
    const { rows } = await this.sql.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
    return rows[0] ? { ...toDelivery(rows[0]), body: rows[0].body } : null;
  }

  async listDeliveries(
    endpointId: string,
    q: { status?: DeliveryStatus; before?: { createdAt: Date; id: string }; limit: number },
  ): Promise<WebhookDelivery[]> {
    const params: unknown[] = [endpointId];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const where = ['endpoint_id = $1'];
    if (q.status) where.push(`status = ${bind(q.status)}`);
    if (q.before) where.push(`(created_at, id) < (${bind(q.before.createdAt)}, ${bind(q.before.id)})`);
    const { rows } = await this.sql.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${bind(q.limit)}`,
      params,
    );
    return rows.map(toDelivery);
  }

  async recordAttempt(id: string, r: AttemptResult): Promise<WebhookDelivery | null> {
    const { rows } = await this.sql.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET attempt = $2, status = $3, response_status = $4, duration_ms = $5, error = $6,
         next_attempt_at = $7, updated_at = now(),
         attempts = (SELECT COALESCE(jsonb_agg(a ORDER BY n), '[]') FROM (
           SELECT a, n FROM jsonb_array_elements(
             attempts || jsonb_build_array(jsonb_build_object('attempt', $2::int, 'at', now(),
               'responseStatus', $4::int, 'durationMs', $5::int, 'error', $6::text))
           ) WITH ORDINALITY AS t(a, n) ORDER BY n DESC LIMIT $8) kept)
       WHERE id = $1 AND status = 'pending' AND attempt = $2 - 1 RETURNING ${DELIVERY_COLUMNS}`,
      [id, r.attempt, r.status, r.responseStatus, r.durationMs, r.error, r.nextAttemptAt, MAX_KEPT_ATTEMPTS],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async resetDelivery(id: string): Promise<WebhookDelivery | null> {
    const { rows } = await this.sql.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), error = NULL, updated_at = now()
       WHERE id = $1 AND status <> 'pending' RETURNING ${DELIVERY_COLUMNS}`,
      [id],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async dueDeliveries(before: Date, limit: number): Promise<WebhookDelivery[]> {
    const { rows } = await this.sql.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < $1 ORDER BY next_attempt_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toDelivery);
  }

  async markEndpointHealth(id: string, succeeded: boolean): Promise<WebhookEndpoint | null> {
    const { rows } = await this.sql.query<EndpointRow>(
      succeeded
        ? 'UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 RETURNING *'
        : 'UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()) WHERE id = $1 RETURNING *',
      [id],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async disableEndpoint(id: string): Promise<void> {
    await this.sql.query(
      'UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, now()), updated_at = now() WHERE id = $1',
      [id],
    );
  }

  async prune(eventsBefore: Date, deliveriesBefore: Date): Promise<number> {
    const events = await this.sql.query(
      'DELETE FROM video_events WHERE relayed_at IS NOT NULL AND created_at < $1 RETURNING seq',
      [eventsBefore],
    );
    const deliveries = await this.sql.query(
      `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1 RETURNING id`,
      [deliveriesBefore],
    );
    return events.rows.length + deliveries.rows.length;
  }
}
