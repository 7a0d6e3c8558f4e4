import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { TaskProtection } from '../ports/task-protection';

/**
 * ECS task scale-in protection through the container agent's endpoint, which ECS names in
 * ECS_AGENT_URI inside every task (Fargate platform 1.4 and later). The agent calls
 * ecs:UpdateTaskProtection with the task role's credentials: the role must allow it.
 * Outside ECS (no ECS_AGENT_URI) it does nothing.
 */
@Injectable()
export class EcsTaskProtection extends TaskProtection {
  private readonly logger = new Logger('TaskProtection');
  private readonly endpoint: string | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.endpoint = config.taskProtection.agentUri
      ? `${config.taskProtection.agentUri.replace(/\/$/, '')}/task-protection/v1/state`
      : undefined;
  }

  get available(): boolean {
    return this.endpoint !== undefined;
  }

  protect(minutes: number): Promise<boolean> {
    return this.put({ ProtectionEnabled: true, ExpiresInMinutes: minutes });
  }

  release(): Promise<boolean> {
    return this.put({ ProtectionEnabled: false });
  }

  private async put(body: Record<string, unknown>): Promise<boolean> {
    if (!this.endpoint) return true;
    try {
      const res = await fetch(this.endpoint, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      // The agent answers 200 with {"protection": …}, or an error status with {"error": …} or {"failure": …}.
      const answer = (await res.json().catch(() => ({}))) as {
        protection?: unknown;
        error?: unknown;
        failure?: unknown;
      };
      if (res.ok && answer.protection && !answer.error && !answer.failure) return true;
      this.logger.warn(
        `the ECS agent refused ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`,
      );
      return false;
    } catch (error) {
      this.logger.warn(`the ECS agent did not answer: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
}
