/** How a job's run ended, as the processor saw it. */
export type JobOutcome = 'completed' | 'failed' | 'refused' | 'put_back' | 'stopped';

/**
 * What Velvet counts for operators and autoscalers, exposed in Prometheus' text format
 * (`/metrics`). Recording never throws and never waits: a metric is never why a request fails.
 */
export abstract class Metrics {
  /** A playback session answered: `issued`, or the refusal's error code. */
  abstract sessionAnswered(outcome: string): void;
  abstract jobFinished(queue: string, name: string, outcome: JobOutcome, seconds: number): void;
  /** A webhook delivery's try ended: succeeded, retrying, failed, deferred or skipped. */
  abstract deliveryTried(outcome: string): void;
  /** The whole exposition, the queues' counts read at this moment. */
  abstract exposition(): Promise<{ contentType: string; text: string }>;
}
