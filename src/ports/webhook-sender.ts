/** What one POST to a receiver came to. */
export interface SendResult {
  /** null: no HTTP answer (refused address, connection error, timeout). */
  readonly status: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/**
 * POSTs one signed event. Never follows a redirect, reads at most 1 KB of the answer, and never
 * connects to an address that is not public (checked on the address actually connected to,
 * after DNS, every time) unless private addresses are allowed (development).
 */
export abstract class WebhookSender {
  abstract post(
    url: string,
    headers: Readonly<Record<string, string>>,
    body: string,
    timeoutMs: number,
  ): Promise<SendResult>;
}
