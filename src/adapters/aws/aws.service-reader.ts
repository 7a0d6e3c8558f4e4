import { ApplicationAutoScalingClient, DescribeScalingPoliciesCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { ServiceReader, type EcsServiceView } from '../../ports/service-reader';

/** The AWS SDK's read-only calls behind the doctor's service-stack checks; nothing here can write. */
export class AwsServiceReader extends ServiceReader {
  constructor(
    private readonly clients: {
      readonly cloudformation: CloudFormationClient;
      readonly ecs: ECSClient;
      readonly scaling: ApplicationAutoScalingClient;
      readonly cloudwatch: CloudWatchClient;
    },
  ) {
    super();
  }

  static create(region: string): AwsServiceReader {
    return new AwsServiceReader({
      cloudformation: new CloudFormationClient({ region }),
      ecs: new ECSClient({ region }),
      scaling: new ApplicationAutoScalingClient({ region }),
      cloudwatch: new CloudWatchClient({ region }),
    });
  }

  async stackOutputs(stackName: string): Promise<Record<string, string> | null> {
    try {
      const out = await this.clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
      const stack = out.Stacks?.[0];
      if (!stack) return null;
      return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
    } catch (error) {
      // CloudFormation answers a missing stack with a ValidationError "Stack with id … does not exist".
      if (error instanceof Error && /does not exist/.test(error.message)) return null;
      throw error;
    }
  }

  async services(cluster: string, names: readonly string[]): Promise<EcsServiceView[]> {
    const out = await this.clients.ecs.send(new DescribeServicesCommand({ cluster, services: [...names] }));
    const found = out.services ?? [];
    return names.flatMap((name) => {
      const s = found.find((f) => f.serviceName === name || f.serviceArn?.endsWith(`/${name}`));
      return s
        ? [{ name, desired: s.desiredCount ?? 0, running: s.runningCount ?? 0, pending: s.pendingCount ?? 0 }]
        : [];
    });
  }

  async stoppedReasons(cluster: string, service: string): Promise<string[]> {
    const listed = await this.clients.ecs.send(
      new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 10 }),
    );
    if (!listed.taskArns?.length) return [];
    const described = await this.clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: listed.taskArns }));
    return (described.tasks ?? []).flatMap((task) => [
      ...(task.stoppedReason ? [task.stoppedReason] : []),
      ...(task.containers ?? []).flatMap((c) => (c.reason ? [c.reason] : [])),
    ]);
  }

  async scalingPolicyType(cluster: string, service: string, policyName: string): Promise<string | null> {
    const out = await this.clients.scaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: 'ecs',
        ResourceId: `service/${cluster}/${service}`,
        PolicyNames: [policyName],
      }),
    );
    return out.ScalingPolicies?.[0]?.PolicyType ?? null;
  }

  async latestMetric(
    namespace: string,
    name: string,
    dimensions: Readonly<Record<string, string>>,
  ): Promise<number | null> {
    const end = new Date();
    const out = await this.clients.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 15 * 60_000),
        EndTime: end,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'figure',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: name,
                Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    return out.MetricDataResults?.[0]?.Values?.[0] ?? null;
  }
}
