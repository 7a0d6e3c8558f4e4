/** An ECS service as the doctor judges it. */
export interface EcsServiceView {
  readonly name: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
}

/**
 * Read-only views of Velvet's service stack (`npm run doctor -- --service-stack …`): its outputs,
 * its ECS services, the worker's scaling policy and the figures the tasks report to CloudWatch.
 */
export abstract class ServiceReader {
  /** The stack's outputs by key; null when there is no such stack. */
  abstract stackOutputs(stackName: string): Promise<Record<string, string> | null>;
  /** The services found, in the order asked (a missing one is left out). */
  abstract services(cluster: string, names: readonly string[]): Promise<EcsServiceView[]>;
  /** Why the service's most recently stopped tasks stopped (task and container reasons). */
  abstract stoppedReasons(cluster: string, service: string): Promise<string[]>;
  /** The policy's type (TargetTrackingScaling, StepScaling), or null when it does not exist. */
  abstract scalingPolicyType(cluster: string, service: string, policyName: string): Promise<string | null>;
  /** The largest value of the last 15 minutes' latest minute; null when there is none. */
  abstract latestMetric(
    namespace: string,
    name: string,
    dimensions: Readonly<Record<string, string>>,
  ): Promise<number | null>;
}
