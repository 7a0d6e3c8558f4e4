import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { TaskProtection } from '../../ports/task-protection';

/**
 * Holds the task's scale-in protection while any long job runs: protected on the first hold,
 * renewed before it expires, released with the last. A scale-in or a deploy then waits for the
 * running encode instead of cutting it off to restart from zero elsewhere. Protection is best
 * effort: when the agent fails, a stop still reaches the worker, which hands its jobs back.
 */
@Injectable()
export class TaskProtectionService implements OnApplicationShutdown {
  private readonly logger = new Logger(TaskProtectionService.name);
  private holds = 0;
  private renewal: NodeJS.Timeout | undefined;
  // Calls to the agent run one after another, so a release never overtakes the protect before it.
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly protection: TaskProtection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Protects the task until the returned function is called (once). */
  hold(): () => void {
    if (!this.protection.available) return () => undefined;
    if (this.holds++ === 0) {
      this.protect();
      const { minutes } = this.config.taskProtection;
      // Renewed at a third of its life, so one failed renewal still leaves time for the next.
      this.renewal = setInterval(() => this.protect(), (minutes * 60_000) / 3);
      this.renewal.unref();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) {
        clearInterval(this.renewal);
        this.enqueue(() => this.protection.release());
      }
    };
  }

  /** Settles every call made so far (tests, and shutdown). */
  async settled(): Promise<void> {
    await this.chain;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.renewal);
    await this.settled();
  }

  private protect(): void {
    const { minutes } = this.config.taskProtection;
    this.enqueue(async () => {
      if (await this.protection.protect(minutes)) this.logger.debug(`task protected for ${minutes} min`);
    });
  }

  private enqueue(call: () => Promise<unknown>): void {
    this.chain = this.chain.then(call).catch(() => undefined);
  }
}
