import type { ServiceReader } from '../ports/service-reader';
import { fail, pass, warn, type DoctorCheck } from './doctor-check';

export interface ServiceTarget {
  /** The service stack's name (INFRA_SERVICE_STACK_NAME, `<media stack>Service` by default). */
  readonly stackName: string;
  /** The api's public URL (its own host name); the load balancer's name when absent. */
  readonly apiUrl: string | undefined;
}

/** The service stack's outputs the checks read (infra/lib/velvet-service-stack.ts names them). */
const OUTPUTS = [
  'ApiUrl',
  'ClusterName',
  'ApiServiceName',
  'WorkerServiceName',
  'WorkerScalingPolicyName',
  'MetricsDeployment',
] as const;
type Outputs = Record<(typeof OUTPUTS)[number], string>;

/** A video waiting this long to start means the workers do not keep up (the OldestQueuedVideo alarm's threshold). */
export const BACKED_UP_SECONDS = 1800;
const SECRETS_FIX =
  'create the secrets the stack names before its tasks start: <stack>/cloudfront-private-key (the PEM) and <stack>/jwt (JSON with JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE), then force a new deployment';

/**
 * The running side of a deployment: the api answers through its load balancer, the tasks came
 * up (so ECS resolved their secrets), the worker's scaling policy exists, and the queue keeps up.
 */
export async function checkService(
  reader: ServiceReader,
  target: ServiceTarget,
  fetchFn: typeof fetch,
): Promise<DoctorCheck[]> {
  const found = await reader.stackOutputs(target.stackName);
  if (!found)
    return [
      fail(
        'service-stack',
        `no stack ${target.stackName}`,
        'deploy it (npm run infra:deploy) or name it with --service-stack',
      ),
    ];
  const missing = OUTPUTS.filter((key) => !found[key]);
  if (missing.length > 0)
    return [
      fail(
        'service-stack',
        `${target.stackName} has no ${missing.join(', ')} output`,
        'deploy the infra/ stacks of this version',
      ),
    ];
  const outputs = found as Outputs;
  const checks: DoctorCheck[] = [pass('service-stack', `${target.stackName} (cluster ${outputs.ClusterName})`)];
  checks.push(await apiCheck(target.apiUrl ?? outputs.ApiUrl, !target.apiUrl, fetchFn));
  checks.push(...(await taskChecks(reader, outputs)));
  const policy = await reader.scalingPolicyType(
    outputs.ClusterName,
    outputs.WorkerServiceName,
    outputs.WorkerScalingPolicyName,
  );
  checks.push(
    policy === 'TargetTrackingScaling'
      ? pass('worker-scaling', `${outputs.WorkerScalingPolicyName} tracks the backlog per task`)
      : fail(
          'worker-scaling',
          policy
            ? `${outputs.WorkerScalingPolicyName} is ${policy}, not target tracking`
            : `no scaling policy ${outputs.WorkerScalingPolicyName}`,
          'deploy the service stack again: the worker would never scale with the queue',
        ),
  );
  checks.push(await queueCheck(reader, outputs.MetricsDeployment));
  return checks;
}

async function apiCheck(apiUrl: string, loadBalancerName: boolean, fetchFn: typeof fetch): Promise<DoctorCheck> {
  const url = `${apiUrl.replace(/\/$/, '')}/readyz`;
  try {
    const res = await fetchFn(url, { signal: AbortSignal.timeout(10_000), redirect: 'manual' });
    return res.status === 200
      ? pass('api-ready', `${url} answers 200`)
      : fail(
          'api-ready',
          `${url} answers ${res.status}`,
          'read the api log group: /readyz fails when PostgreSQL, Redis or S3 does',
        );
  } catch (error) {
    const reason =
      error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`
        : String(error);
    return fail(
      'api-ready',
      `${url} did not answer (${reason})`,
      loadBalancerName
        ? "the load balancer's own name does not match the api's certificate: pass --api https://<the api's host>"
        : 'point the api host at the load balancer (a CNAME to the LoadBalancerDnsName output) and check the certificate covers it',
    );
  }
}

async function taskChecks(reader: ServiceReader, outputs: Outputs): Promise<DoctorCheck[]> {
  const names = [outputs.ApiServiceName, outputs.WorkerServiceName];
  const services = await reader.services(outputs.ClusterName, names);
  const checks: DoctorCheck[] = [];
  for (const [label, name] of [
    ['api', outputs.ApiServiceName],
    ['worker', outputs.WorkerServiceName],
  ] as const) {
    const service = services.find((s) => s.name === name);
    if (!service) {
      checks.push(fail(`${label}-tasks`, `no service ${name} in ${outputs.ClusterName}`, 'deploy the service stack'));
      continue;
    }
    const reasons = await reader.stoppedReasons(outputs.ClusterName, name);
    const secretFailure = reasons.find((r) => /ResourceInitializationError|secret/i.test(r));
    if (service.running >= service.desired && (service.running > 0 || !secretFailure)) {
      checks.push(
        pass(
          `${label}-tasks`,
          service.running > 0
            ? `${service.running} of ${service.desired} running, so ECS resolved their secrets`
            : `none wanted now (desired ${service.desired})`,
        ),
      );
    } else if (secretFailure) {
      checks.push(
        fail(
          `${label}-tasks`,
          `${service.running} of ${service.desired} running; a task stopped: ${secretFailure}`,
          SECRETS_FIX,
        ),
      );
    } else {
      const reason = reasons[0] ? `; last stop: ${reasons[0]}` : '';
      checks.push(
        warn(`${label}-tasks`, `${service.running} of ${service.desired} running, ${service.pending} pending${reason}`),
      );
    }
  }
  return checks;
}

async function queueCheck(reader: ServiceReader, deployment: string): Promise<DoctorCheck> {
  const figure = (name: string) => reader.latestMetric('Velvet', name, { Deployment: deployment });
  const [backlog, oldest] = await Promise.all([figure('TranscodeBacklog'), figure('OldestQueuedVideoSeconds')]);
  if (backlog === null || oldest === null)
    return warn(
      'queue',
      `no TranscodeBacklog or OldestQueuedVideoSeconds for Deployment=${deployment} in 15 minutes`,
      'the api reports them every METRICS_EMF_INTERVAL_SECONDS: is it running with that setting?',
    );
  return oldest > BACKED_UP_SECONDS
    ? fail(
        'queue',
        `backed up: ${backlog} jobs wait, the oldest queued video for ${Math.round(oldest / 60)} min`,
        'raise INFRA_WORKER_MAX_TASKS, or read the worker log group for jobs that keep failing',
      )
    : pass('queue', `${backlog} jobs wait; the oldest queued video for ${Math.round(oldest)} s`);
}
