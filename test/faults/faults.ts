/**
 * The faults, one at a time: each is injected, then the time until the stack serves again is
 * measured (the first successful request after the fault ends).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import type { Pool } from 'pg';
import type { Queue } from 'bullmq';
import { NO_FAULTS, type FaultProxy } from './fault-proxy';
import type { Receiver } from './load';
import { sleep, until, type Proc } from './processes';

export type FaultKind =
  | 'worker SIGKILL'
  | 'api SIGKILL'
  | 'Redis restart'
  | 'Redis loses its data'
  | 'Redis FLUSHALL'
  | 'PostgreSQL restart'
  | 'S3 errors and stalls'
  | 'webhook receiver down';

export interface Stack {
  /** The transcode queue, to see which worker runs what. */
  readonly queue: Queue;
  readonly round: number;
  readonly workers: readonly Proc[];
  readonly api: readonly Proc[];
  readonly apiPorts: readonly number[];
  readonly redis: Proc;
  /** Where Redis keeps its AOF: emptied to stand for a node replaced without persistence. */
  readonly redisDir: string;
  readonly redisPort: number;
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
      // Mid-chunk: the worker running an encode-chunk job (BullMQ records the taker's pid in
      // processedBy), else one running any transcode job, else the next in turn.
      const target = (await busyWorker(stack, 'encode-chunk', 20)) ?? (await busyWorker(stack, null, 10));
      const worker = target?.worker ?? stack.workers[stack.round % stack.workers.length]!;
      const busy = target?.job ?? null;
      await worker.stop('SIGKILL');
      await sleep(1000);
      const restarted = Date.now();
      worker.start();
      // Taking jobs again once it has checked ffmpeg (its boot line).
      const back = await worker.waitFor(/ffmpeg ready/, 60).then(
        () => Date.now() - restarted,
        () => -1,
      );
      return { recoveryMs: back, note: `${worker.name}${busy ? ` running ${busy}` : ''}` };
    }
    case 'api SIGKILL': {
      const index = stack.round % stack.api.length;
      await stack.api[index]!.stop('SIGKILL');
      await sleep(1000);
      const restarted = Date.now();
      stack.api[index]!.start();
      await until(
        `api-${index + 1}`,
        async () => (await fetch(`http://127.0.0.1:${stack.apiPorts[index]}/readyz`)).ok,
        60,
      );
      return { recoveryMs: Date.now() - restarted, note: `api-${index + 1} mid-request` };
    }
    case 'Redis restart': {
      await stack.redis.stop('SIGTERM');
      await sleep(DOWN_MS);
      stack.redis.start();
      return { recoveryMs: await stack.apisReady(), note: `down ${DOWN_MS / 1000} s, AOF kept` };
    }
    // ElastiCache without persistence loses every key when a node is replaced; PostgreSQL is the
    // system of record, and the reconcile sweep must rebuild the work it describes.
    case 'Redis loses its data': {
      await stack.redis.stop('SIGKILL');
      rmSync(stack.redisDir, { recursive: true, force: true });
      mkdirSync(stack.redisDir, { recursive: true });
      await sleep(DOWN_MS);
      stack.redis.start();
      return { recoveryMs: await stack.apisReady(), note: `killed, data deleted, down ${DOWN_MS / 1000} s` };
    }
    case 'Redis FLUSHALL': {
      const started = Date.now();
      execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(stack.redisPort), 'FLUSHALL']);
      await stack.apisReady();
      return { recoveryMs: Date.now() - started, note: 'every key gone, the server up' };
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
      await until('a delivery after the receiver came back', async () => stack.receiver.deliveries > before, 120).catch(
        () => undefined,
      );
      return { recoveryMs: Date.now() - back, note: 'connection refused for 20 s' };
    }
  }
}

/** The worker running a job of that name (any transcode job for null), found within `seconds`. */
async function busyWorker(
  stack: Stack,
  name: string | null,
  seconds: number,
): Promise<{ worker: Proc; job: string } | null> {
  let found: { worker: Proc; job: string } | null = null;
  await until(
    `a worker running ${name ?? 'a job'}`,
    async () => {
      for (const job of await stack.queue.getJobs(['active'])) {
        if (name && job.name !== name) continue;
        const pid = Number(job.processedBy?.split(':')[1]);
        const worker = stack.workers.find((w) => w.pid === pid && w.running);
        if (worker) found = { worker, job: job.name };
      }
      return found !== null;
    },
    seconds,
  ).catch(() => undefined);
  return found;
}
