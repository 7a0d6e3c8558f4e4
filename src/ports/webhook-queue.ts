/** The BullMQ side of deliveries: one job per try, idempotent by (delivery, try). */
export abstract class WebhookQueue {
  /** Enqueues try `attempt` of a delivery after `delayMs`; a second call for the same try is a no-op. */
  abstract enqueue(deliveryId: string, attempt: number, delayMs: number): Promise<void>;
  /** The first tries of many deliveries, now, in one round trip. */
  abstract enqueueFirstTries(deliveryIds: readonly string[]): Promise<void>;
}
