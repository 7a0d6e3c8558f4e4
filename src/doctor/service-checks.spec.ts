import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationAutoScalingClient, DescribeScalingPoliciesCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsServiceReader } from '../adapters/aws/aws.service-reader';
import { checkService } from './service-checks';

// AWS cannot be reached here: its SDK clients answer from fixtures; the api is a real server on loopback.
const cloudformation = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);
const scaling = mockClient(ApplicationAutoScalingClient);
const cloudwatch = mockClient(CloudWatchClient);
const reader = new AwsServiceReader({
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  ecs: new ECSClient({ region: 'eu-west-1' }),
  scaling: new ApplicationAutoScalingClient({ region: 'eu-west-1' }),
  cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
});

let server: Server;
let apiUrl: string;
let readyStatus = 200;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/readyz' ? readyStatus : 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const OUTPUTS = {
  ApiUrl: 'https://velvet-alb-123.eu-west-1.elb.amazonaws.com',
  ClusterName: 'velvet-cluster',
  ApiServiceName: 'velvet-api',
  WorkerServiceName: 'velvet-worker',
  WorkerScalingPolicyName: 'VelvetMediaService-worker-backlog-per-task',
  MetricsDeployment: 'VelvetMediaService',
};

function healthy(): void {
  for (const mock of [cloudformation, ecs, scaling, cloudwatch]) mock.reset();
  cloudformation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'VelvetMediaService',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      { serviceName: 'velvet-api', desiredCount: 2, runningCount: 2, pendingCount: 0 },
      { serviceName: 'velvet-worker', desiredCount: 0, runningCount: 0, pendingCount: 0 },
    ],
  });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  scaling
    .on(DescribeScalingPoliciesCommand, { PolicyNames: [OUTPUTS.WorkerScalingPolicyName] })
    .resolves({ ScalingPolicies: [{ PolicyType: 'TargetTrackingScaling' } as never] });
  cloudwatch.on(GetMetricDataCommand).callsFake((input) => ({
    MetricDataResults: [
      {
        Id: 'figure',
        Values: [input.MetricDataQueries[0].MetricStat.Metric.MetricName === 'TranscodeBacklog' ? 3 : 42],
      },
    ],
  }));
}

const run = (api?: string) => checkService(reader, { stackName: 'VelvetMediaService', apiUrl: api }, fetch);
const byName = (checks: Awaited<ReturnType<typeof run>>) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe('the doctor on the service stack', () => {
  beforeEach(() => {
    readyStatus = 200;
    healthy();
  });

  it('passes a healthy deployment: api ready, tasks up, scaling policy in place, queue keeping up', async () => {
    const checks = byName(await run(apiUrl));
    expect(Object.values(checks).map((c) => [c.name, c.status])).toEqual([
      ['service-stack', 'pass'],
      ['api-ready', 'pass'],
      ['api-tasks', 'pass'],
      ['worker-tasks', 'pass'],
      ['worker-scaling', 'pass'],
      ['queue', 'pass'],
    ]);
    expect(checks['api-tasks']!.detail).toMatch(/2 of 2 running, so ECS resolved their secrets/);
    expect(checks.queue!.detail).toMatch(/3 jobs wait; the oldest queued video for 42 s/);
    // The metrics asked for are the ones the tasks write, under the stack's Deployment.
    const asked = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input.MetricDataQueries![0]!.MetricStat!.Metric);
    expect(asked).toContainEqual({
      Namespace: 'Velvet',
      MetricName: 'OldestQueuedVideoSeconds',
      Dimensions: [{ Name: 'Deployment', Value: 'VelvetMediaService' }],
    });
  });

  it('fails tasks that cannot read their secrets, naming the reason and the secrets to create', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        { serviceName: 'velvet-api', desiredCount: 2, runningCount: 0, pendingCount: 1 },
        { serviceName: 'velvet-worker', desiredCount: 1, runningCount: 1, pendingCount: 0 },
      ],
    });
    ecs.on(ListTasksCommand, { serviceName: 'velvet-api' }).resolves({ taskArns: ['arn:aws:ecs:task/1'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          stoppedReason:
            'ResourceInitializationError: unable to pull secrets or registry auth: retrieve secret from ssm: ResourceNotFoundException',
        },
      ],
    });
    const checks = byName(await run(apiUrl));
    expect(checks['api-tasks']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/0 of 2 running; a task stopped: ResourceInitializationError/),
    });
    expect(checks['api-tasks']!.fix).toMatch(/cloudfront-private-key.*jwt/);
    expect(checks['worker-tasks']!.status).toBe('pass');
  });

  it('fails an api that is not ready, a missing scaling policy and a backed-up queue', async () => {
    readyStatus = 503;
    scaling.on(DescribeScalingPoliciesCommand).resolves({ ScalingPolicies: [] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'figure', Values: [4000] }] });
    const checks = byName(await run(apiUrl));
    expect(checks['api-ready']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/answers 503/) });
    expect(checks['worker-scaling']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/no scaling policy/),
    });
    expect(checks.queue).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/backed up: 4000 jobs wait, the oldest queued video for 67 min/),
    });
  });

  it("warns when the figures are missing, and names the fix when the load balancer's own name is probed", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'figure', Values: [] }] });
    const checks = byName(await run('https://127.0.0.1:1'));
    expect(checks.queue!.status).toBe('warn');
    expect(checks['api-ready']).toMatchObject({ status: 'fail', fix: expect.stringMatching(/point the api host/) });
    // Without --api the doctor tries the load balancer's name, and says why that may fail.
    const withoutApi = byName(
      await checkService(reader, { stackName: 'VelvetMediaService', apiUrl: undefined }, async () => {
        throw new TypeError('fetch failed', { cause: new Error('Hostname/IP does not match certificate') });
      }),
    );
    expect(withoutApi['api-ready']!.fix).toMatch(/pass --api/);
  });

  it('fails a missing stack at once', async () => {
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id VelvetMediaService does not exist'), { name: 'ValidationError' }),
      );
    expect(await run(apiUrl)).toEqual([expect.objectContaining({ name: 'service-stack', status: 'fail' })]);
  });
});
