import {
  Aws,
  type CfnElement,
  Duration,
  Stack,
  Validations,
  aws_applicationautoscaling as appscaling,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_ecs as ecs,
  aws_iam as iam,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EXECUTION_ROLE_ACKNOWLEDGMENT, type ServiceTaskProps } from './api-service.ts';

/** Fargate gives a container at most this long between SIGTERM and SIGKILL. */
export const FARGATE_STOP_TIMEOUT_SECONDS = 120;

export interface WorkerServiceProps extends ServiceTaskProps {
  /** The CloudWatch namespace and Deployment dimension the tasks write TranscodeBacklog under. */
  readonly backlogMetric: { readonly namespace: string; readonly deployment: string };
}

export interface WorkerService {
  readonly service: ecs.FargateService;
  /** The target-tracking policy on backlog per task. */
  readonly scalingPolicy: appscaling.CfnScalingPolicy;
  readonly scalingPolicyName: string;
}

/**
 * The worker on Fargate (Spot if chosen: every job is safe to run twice), scaled on the backlog
 * per running task. A task protects itself from scale-in while it encodes (ECS task protection,
 * through the agent); a stop still gets FARGATE_STOP_TIMEOUT_SECONDS, in which the worker hands
 * its jobs back to the queue.
 */
export function workerService(scope: Construct, props: WorkerServiceProps): WorkerService {
  const { cluster, network, inputs } = props;
  const task = new ecs.FargateTaskDefinition(scope, 'WorkerTask', {
    cpu: inputs.worker.cpu,
    memoryLimitMiB: inputs.worker.memoryMiB,
    // The sources and the encodes in progress: TRANSCODE_TMP_DIR on the image's /scratch volume.
    ephemeralStorageGiB: inputs.worker.scratchGiB,
    runtimePlatform: {
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
  });
  task.taskRole.addManagedPolicy(props.policy);
  // What the agent calls when the worker asks for protection, for this cluster's tasks only.
  task.taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ProtectOwnTask',
      actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
      resources: [`arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${cluster.clusterName}/*`],
    }),
  );
  const clusterId = Stack.of(cluster).getLogicalId(cluster.node.defaultChild as CfnElement);
  Validations.of(task).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${clusterId}>/*]`,
      reason:
        "A task's id is known only once it runs: protection is allowed on this cluster's tasks (task/<cluster>/*), and the agent calls it for the caller's own task.",
    },
    EXECUTION_ROLE_ACKNOWLEDGMENT,
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds settings only (bucket, paths, limits); every secret goes through ECS secrets from Secrets Manager.',
    },
  );
  task.addContainer('worker', {
    image: props.image,
    environment: {
      ...props.environment,
      TRANSCODE_TMP_DIR: '/scratch',
      // Jobs still running this long after SIGTERM are stopped and handed back, within the stop timeout.
      TRANSCODE_SHUTDOWN_GRACE_SECONDS: String(FARGATE_STOP_TIMEOUT_SECONDS - 30),
      // Address space per ffmpeg: the task's memory less what Node itself needs.
      FFMPEG_MEMORY_LIMIT_MB: String(Math.max(1024, inputs.worker.memoryMiB - 512)),
    },
    secrets: props.secrets,
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: props.logGroup }),
    stopTimeout: Duration.seconds(FARGATE_STOP_TIMEOUT_SECONDS),
  });

  cluster.enableFargateCapacityProviders();
  const service = new ecs.FargateService(scope, 'Worker', {
    cluster,
    taskDefinition: task,
    desiredCount: inputs.worker.minTasks,
    capacityProviderStrategies: [{ capacityProvider: inputs.worker.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    circuitBreaker: { rollback: true },
    vpcSubnets: network.privateSubnets,
    securityGroups: [props.securityGroup],
    assignPublicIp: false,
  });

  const target = new appscaling.ScalableTarget(scope, 'WorkerScaling', {
    serviceNamespace: appscaling.ServiceNamespace.ECS,
    resourceId: `service/${cluster.clusterName}/${service.serviceName}`,
    scalableDimension: 'ecs:service:DesiredCount',
    minCapacity: inputs.worker.minTasks,
    maxCapacity: inputs.worker.maxTasks,
  });
  target.node.addDependency(service);
  const backlog = (id: string) => ({
    id,
    metricStat: {
      metric: {
        namespace: props.backlogMetric.namespace,
        metricName: 'TranscodeBacklog',
        dimensions: [{ name: 'Deployment', value: props.backlogMetric.deployment }],
      },
      // The api's tasks and every worker report the same figure: the largest of a minute is it.
      stat: 'Maximum',
    },
    returnData: false,
  });
  const insights = (id: string, metricName: string) => ({
    id,
    metricStat: {
      metric: {
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensions: [
          { name: 'ClusterName', value: cluster.clusterName },
          { name: 'ServiceName', value: service.serviceName },
        ],
      },
      stat: 'Average',
    },
    returnData: false,
  });
  const scalingPolicyName = `${service.stack.stackName}-worker-backlog-per-task`;
  const scalingPolicy = new appscaling.CfnScalingPolicy(scope, 'WorkerBacklogPerTask', {
    policyName: scalingPolicyName,
    policyType: 'TargetTrackingScaling',
    scalingTargetId: target.scalableTargetId,
    targetTrackingScalingPolicyConfiguration: {
      targetValue: inputs.worker.backlogPerTask,
      customizedMetricSpecification: {
        metrics: [
          backlog('backlog'),
          insights('running', 'RunningTaskCount'),
          {
            id: 'perTask',
            label: 'Transcode backlog per running worker task',
            // With no task running the whole backlog is one task's: never a division by zero.
            expression: 'backlog / IF(FILL(running, 0) > 0, FILL(running, 0), 1)',
            returnData: true,
          },
        ],
      },
      scaleOutCooldown: 60,
      // Scale-in waits: a protected task is not stopped anyway, and a brief lull is not idleness.
      scaleInCooldown: 600,
    },
  });

  // Target tracking multiplies the running count, so from 0 tasks it never starts one: this
  // alarm does, when jobs wait and the service wants no task at all.
  const fromZero = new appscaling.StepScalingAction(scope, 'WorkerStartFromZero', {
    scalingTarget: target,
    adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
    cooldown: Duration.seconds(120),
  });
  fromZero.addAdjustment({ adjustment: 1, lowerBound: 0 });
  const waitingWithNoTask = new cloudwatch.Alarm(scope, 'WorkerJobsWaitWithNoTask', {
    alarmDescription: 'Transcode jobs wait and the worker service wants no task: start one',
    metric: new cloudwatch.MathExpression({
      expression: 'IF(FILL(desired, 0) == 0 AND backlog > 0, 1, 0)',
      usingMetrics: {
        backlog: new cloudwatch.Metric({
          namespace: props.backlogMetric.namespace,
          metricName: 'TranscodeBacklog',
          dimensionsMap: { Deployment: props.backlogMetric.deployment },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        desired: new cloudwatch.Metric({
          namespace: 'ECS/ContainerInsights',
          metricName: 'DesiredTaskCount',
          dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName },
          statistic: 'Average',
          period: Duration.minutes(1),
        }),
      },
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  waitingWithNoTask.addAlarmAction(new actions.ApplicationScalingAction(fromZero));

  return { service, scalingPolicy, scalingPolicyName };
}
