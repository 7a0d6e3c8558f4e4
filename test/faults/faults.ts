/**
 * The faults, one at a time: each is injected, then the time until the stack serves again is
 * measured (the first successful request after the fault ends).
 */
import type { Pool } from 'pg';
import { NO_FAULTS, type FaultProxy } from './fault-proxy';
import type { Receiver } from './load';
import { sleep, until, type Proc } from './processes';

export type FaultKind = 'worker SIGKILL' | 'api SIGKILL' | 'Redis restart' | 'PostgreSQL restart' | 'S3 errors and stalls' | 'webhook receiver down';

export interface Stack {
  readonly round: number;
  readonly workers: readonly Proc[];
  readonly api: readonly Proc[];
  readonly apiPorts: readonly number[];
  readonly redis: Proc;
  readonly postgres: Proc;
  readonly proxy: FaultProxy;
  readonly receiver: Receiver;
  readonly db: Pool;
  /** Resolves with the milliseconds until both api instances answer /readyz 200. */
  apisReady(): Promise<number>;
}

const DOWN_MS = 3000;

export async function inject(kind: FaultKind, stack: Stack): Promise<{ recoveryMs: number; note: string }> {
  switch (kind) {
    case 'worker SIGKILL': {
      // Mid-transcode: wait (a little) for a video being encoded, then kill a worker outright.
      const busy = await until('a video processing', async () => (await stack.db.query("SELECT 1 FROM videos WHERE status = 'processing' LIMIT 1")).rows.length > 0, 20).then(() => true, () => false);
      const worker = stack.workers[stack.round % stack.workers.length]!;
      await worker.stop('SIGKILL');
      await sleep(1000);
      const restarted = Date.now();
      worker.start();
      // Taking jobs again once it has checked ffmpeg (its boot line).
      const back = await worker.waitFor(/ffmpeg ready/, 60).then(() => Date.now() - restarted, () => -1);
      return { recoveryMs: back, note: `${worker.name}${busy ? ' while a video was processing' : ''}` };
    }
    case 'api SIGKILL': {
      const index = stack.round % stack.api.length;
      await stack.api[index]!.stop('SIGKILL');
      await sleep(1000);
      const restarted = Date.now();
      stack.api[index]!.start();
      await until(`api-${index + 1}`, async () => (await fetch(`http://127.0.0.1:${stack.apiPorts[index]}/readyz`)).ok, 60);
      return { recoveryMs: Date.now() - restarted, note: `api-${index + 1} mid-request` };
    }
    case 'Redis restart': {
      await stack.redis.stop('SIGTERM');
      await sleep(DOWN_MS);
      stack.redis.start();
      return { recoveryMs: await stack.apisReady(), note: `down ${DOWN_MS / 1000} s, AOF kept` };
    }
    case 'PostgreSQL restart': {
      // Fast shutdown: open transactions are rolled back, connections cut.
      await stack.postgres.stop('SIGINT');
      await sleep(DOWN_MS);
      stack.postgres.start();
      return { recoveryMs: await stack.apisReady(), note: `down ${DOWN_MS / 1000} s` };
    }
    case 'S3 errors and stalls': {
      stack.proxy.mode = { errorRate: 0.25, stallRate: 0.1, stallMs: 4000 };
      await sleep(15_000);
      stack.proxy.mode = NO_FAULTS;
      return { recoveryMs: await stack.apisReady(), note: '15 s of 25 % 500/503 and 10 % 4 s stalls' };
    }
    case 'webhook receiver down': {
      await stack.receiver.down();
      await sleep(20_000);
      await stack.receiver.up();
      const back = Date.now();
      const before = stack.receiver.deliveries;
      await until('a delivery after the receiver came back', async () => stack.receiver.deliveries > before, 120).catch(() => undefined);
      return { recoveryMs: Date.now() - back, note: 'connection refused for 20 s' };
    }
  }
}
