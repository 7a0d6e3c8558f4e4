/** Jobs in one state of one queue. */
export interface QueueCount {
  readonly queue: string;
  /**
   * BullMQ's states, `prioritized` included (every Velvet job has a priority, so its waiting jobs
   * are there, not in `wait`), and `delayed_due`: delayed jobs whose time has come, which only a
   * running worker moves on (with none running they wait in `delayed`).
   */
  readonly state: string;
  readonly count: number;
}

/** Jobs a worker could start now: waiting, prioritized and due delayed ones. */
export function backlog(counts: readonly QueueCount[], queue: string): number {
  return counts
    .filter((c) => c.queue === queue && (c.state === 'wait' || c.state === 'prioritized' || c.state === 'delayed_due'))
    .reduce((sum, c) => sum + c.count, 0);
}
