/**
 * Keeps the orchestrator from stopping this process's task while it holds work: ECS task
 * scale-in protection on Fargate, nothing elsewhere.
 */
export abstract class TaskProtection {
  /** Whether protecting does anything here (logged at boot). */
  abstract readonly available: boolean;
  /** Protects the task for `minutes` from now (renewing extends it); false: the call failed. */
  abstract protect(minutes: number): Promise<boolean>;
  /** Lets the task be stopped again; false: the call failed. */
  abstract release(): Promise<boolean>;
}
