import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Metrics, type JobOutcome } from '../ports/metrics';
import { QueueStats } from '../ports/queue-stats';

/**
 * prom-client, one registry per process (api and worker each expose their own): process metrics,
 * the counters Velvet records, and the queues' depths read at each scrape.
 */
@Injectable()
export class PrometheusMetrics extends Metrics {
  private readonly registry = new Registry();
  private readonly sessions = new Counter({
    name: 'velvet_playback_sessions_total',
    help: 'Playback sessions answered, by outcome: issued, or the refusal code',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly jobs = new Histogram({
    name: 'velvet_job_duration_seconds',
    help: 'Job runs by queue, job name and outcome',
    labelNames: ['queue', 'name', 'outcome'],
    // From a webhook try (tens of ms) to a long preview encode (an hour).
    buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: 'velvet_webhook_deliveries_total',
    help: 'Webhook delivery tries, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor(stats: QueueStats) {
    super();
    collectDefaultMetrics({ register: this.registry, prefix: 'velvet_' });
    new Gauge({
      name: 'velvet_queue_jobs',
      help: 'Jobs by queue and state (prioritized included; delayed_due: delayed jobs whose time has come)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { queue, state, count } of await stats.counts()) this.set({ queue, state }, count);
      },
    });
  }

  sessionAnswered(outcome: string): void {
    this.sessions.inc({ outcome });
  }

  jobFinished(queue: string, name: string, outcome: JobOutcome, seconds: number): void {
    this.jobs.observe({ queue, name, outcome }, seconds);
  }

  deliveryTried(outcome: string): void {
    this.deliveries.inc({ outcome });
  }

  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
