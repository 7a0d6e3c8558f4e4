import type { EventBody } from '../domain/video-events';

export interface WebhookEndpoint {
  readonly id: string;
  readonly ownerId: string;
  readonly url: string;
  /** null: every event type. */
  readonly events: readonly string[] | null;
  readonly description: string | null;
  readonly scope: 'own' | 'all';
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly disabledAt: Date | null;
  readonly failingSince: Date | null;
}

/** Sealed (encrypted) secrets as stored: the store never sees a secret in the clear. */
export interface SealedSecrets {
  readonly current: string;
  readonly previous: string | null;
  readonly previousUntil: Date | null;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One try of a delivery, as it was recorded. */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly at: Date;
  readonly responseStatus: number | null;
  readonly durationMs: number | null;
  readonly error: string | null;
}

/** A try as JSON keeps it (the database's column, the api's answer): its time as ISO 8601 text. */
export type DeliveryAttemptText = Omit<DeliveryAttempt, 'at'> & { readonly at: string };

export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly type: string;
  readonly attempt: number;
  readonly status: DeliveryStatus;
  readonly responseStatus: number | null;
  readonly durationMs: number | null;
  readonly error: string | null;
  readonly nextAttemptAt: Date | null;
  /** Every try, oldest first (the last MAX_KEPT_ATTEMPTS of them); the fields above repeat the last. */
  readonly attempts: readonly DeliveryAttempt[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Tries kept per delivery: a day of retries (10 s, doubling to an hour apart) is about 30. */
export const MAX_KEPT_ATTEMPTS = 50;

export interface AttemptResult {
  readonly attempt: number;
  readonly status: DeliveryStatus;
  readonly responseStatus: number | null;
  readonly durationMs: number;
  readonly error: string | null;
  readonly nextAttemptAt: Date | null;
}

/**
 * Webhook endpoints, the relay's claim on the outbox, and deliveries. Every method is one
 * statement or one transaction; the relay's claim skips rows another relay holds.
 */
export abstract class WebhookStore {
  abstract createEndpoint(
    input: Omit<WebhookEndpoint, 'createdAt' | 'updatedAt' | 'disabledAt' | 'failingSince'>,
    sealedSecret: string,
  ): Promise<WebhookEndpoint>;
  abstract findEndpoint(id: string): Promise<WebhookEndpoint | null>;
  abstract listEndpoints(ownerId: string): Promise<WebhookEndpoint[]>;
  abstract updateEndpoint(
    id: string,
    patch: { url?: string; events?: readonly string[] | null; description?: string | null; enabled?: boolean },
  ): Promise<WebhookEndpoint | null>;
  abstract deleteEndpoint(id: string): Promise<boolean>;
  /** The endpoint with its sealed secrets, for signing a delivery. */
  abstract endpointWithSecrets(
    id: string,
  ): Promise<{ readonly endpoint: WebhookEndpoint; readonly sealed: SealedSecrets } | null>;
  /** The new secret signs from now; the current one keeps signing alongside until `previousUntil`. */
  abstract rotateSecret(id: string, sealedSecret: string, previousUntil: Date): Promise<boolean>;
  /** Endpoints' sealed secrets in id order, after `afterId`: a key change walks them all. */
  abstract sealedSecretsPage(
    afterId: string | null,
    limit: number,
  ): Promise<Array<{ id: string; current: string; previous: string | null }>>;
  /** Replaces an endpoint's sealed secrets only if they are still `was` (a rotation meanwhile wins). */
  abstract resealSecrets(
    id: string,
    was: { current: string; previous: string | null },
    now: { current: string; previous: string | null },
  ): Promise<boolean>;

  /**
   * Claims up to `limit` committed, unrelayed events, creates a delivery for each endpoint that
   * wants one (once per event and endpoint, whatever runs twice), marks them relayed, commits,
   * and returns the new deliveries' ids.
   */
  abstract relayEvents(
    limit: number,
    wants: (endpoint: WebhookEndpoint, event: { ownerId: string; type: string }) => boolean,
  ): Promise<string[]>;
  /** A delivery of a one-off event (webhook.test), pending now. */
  abstract createDelivery(endpointId: string, body: EventBody): Promise<WebhookDelivery>;
  abstract findDelivery(id: string): Promise<(WebhookDelivery & { readonly body: EventBody }) | null>;
  /** Newest first; `before` is the cursor (the last delivery of the previous page). */
  abstract listDeliveries(
    endpointId: string,
    query: { status?: DeliveryStatus; before?: { createdAt: Date; id: string }; limit: number },
  ): Promise<WebhookDelivery[]>;
  /** Records one try, only if the delivery is still pending at `attempt - 1` tries (a duplicate job records nothing). */
  abstract recordAttempt(id: string, result: AttemptResult): Promise<WebhookDelivery | null>;
  /** Pending again, due now (redeliver). */
  abstract resetDelivery(id: string): Promise<WebhookDelivery | null>;
  /** Pending deliveries due before `before`: the sweep re-enqueues them (a lost enqueue, a crashed worker). */
  abstract dueDeliveries(before: Date, limit: number): Promise<WebhookDelivery[]>;
  /** After a success: failing no more. After a failure: failing since now if it was not; returns the endpoint. */
  abstract markEndpointHealth(id: string, succeeded: boolean): Promise<WebhookEndpoint | null>;
  abstract disableEndpoint(id: string): Promise<void>;
  /** Drops relayed events and finished deliveries older than these: the history stays bounded. */
  abstract prune(eventsBefore: Date, deliveriesBefore: Date): Promise<number>;
}
