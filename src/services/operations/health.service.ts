import { Injectable } from '@nestjs/common';
import { JobQueue } from '../../ports/job-queue';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';

export type CheckResult = { readonly status: 'up' } | { readonly status: 'down'; readonly error: string };

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<'database' | 'redis' | 'storage', CheckResult>>;
}

// A dependency that does not answer within this is as good as down for a readiness probe.
const CHECK_TIMEOUT_MS = 3000;

@Injectable()
export class HealthService {
  constructor(
    private readonly store: VideoStore,
    private readonly jobs: JobQueue,
    private readonly storage: ObjectStorage,
  ) {}

  async readiness(): Promise<Readiness> {
    const [database, redis, storage] = await Promise.all([
      check(() => this.store.ping()),
      check(() => this.jobs.ping()),
      check(() => this.storage.ping()),
    ]);
    return { ready: [database, redis, storage].every((c) => c.status === 'up'), checks: { database, redis, storage } };
  }
}

async function check(probe: () => Promise<void>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { status: 'up' };
  } catch (error) {
    // Only the error's kind: connection strings and hosts stay out of a public endpoint.
    return { status: 'down', error: error instanceof Error ? error.name : 'error' };
  } finally {
    clearTimeout(timer);
  }
}
