import type { QueueCount } from '../domain/queue-backlog';

export type { QueueCount } from '../domain/queue-backlog';

/** The queues' depths: for `/metrics`, and the backlog autoscaling follows. */
export abstract class QueueStats {
  abstract counts(): Promise<QueueCount[]>;
}
