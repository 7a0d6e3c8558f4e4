import {
  Duration,
  Validations,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  type aws_ecs as ecs,
  aws_elasticloadbalancingv2 as elbv2,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ServiceInputs } from './service-inputs.ts';

export interface AlarmSubjects {
  readonly inputs: ServiceInputs;
  readonly cluster: ecs.ICluster;
  readonly api: ecs.FargateService;
  readonly worker: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly pipelineMetric: { readonly namespace: string; readonly deployment: string };
}

/** Thresholds an operator reads in docs/aws.md; each alarm's description says what to look at. */
export const ALARM_THRESHOLDS = {
  oldestQueuedVideoSeconds: 1800,
  videosFailedPerHour: 5,
  api5xxPercent: 5,
} as const;

/**
 * The alarms that mean a paying viewer or a creator is let down, on one SNS topic: a video waits
 * too long, videos fail, the api answers 5xx, tasks do not come up healthy (the usual cause: a
 * secret they cannot read).
 */
export function serviceAlarms(scope: Construct, subjects: AlarmSubjects): sns.Topic {
  const { inputs, cluster, pipelineMetric } = subjects;
  const topic = new sns.Topic(scope, 'Alarms', { displayName: 'Velvet alarms', enforceSSL: true });
  Validations.of(topic).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason:
      'CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, and alarm texts carry no secret; the topic enforces TLS.',
  });
  if (inputs.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(inputs.alarmEmail));
  const notify = new actions.SnsAction(topic);
  const alarm = (id: string, props: cloudwatch.AlarmProps) => {
    const made = new cloudwatch.Alarm(scope, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    made.addAlarmAction(notify);
    made.addOkAction(notify);
    return made;
  };
  const pipeline = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: pipelineMetric.namespace,
      metricName,
      dimensionsMap: { Deployment: pipelineMetric.deployment },
      statistic: 'Maximum',
      period: Duration.minutes(5),
    });

  alarm('OldestQueuedVideo', {
    alarmDescription: `A video has waited over ${ALARM_THRESHOLDS.oldestQueuedVideoSeconds / 60} minutes for its transcode to start: are workers running (desired vs running tasks), is INFRA_WORKER_MAX_TASKS reached?`,
    metric: pipeline('OldestQueuedVideoSeconds'),
    threshold: ALARM_THRESHOLDS.oldestQueuedVideoSeconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 2,
  });
  alarm('VideosFailed', {
    alarmDescription: `Over ${ALARM_THRESHOLDS.videosFailedPerHour} videos failed in the last hour: see the failures' error codes (GET /v1/videos?status=failed) and the worker's log`,
    metric: pipeline('VideosFailedLastHour'),
    threshold: ALARM_THRESHOLDS.videosFailedPerHour,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
  });
  const lb = subjects.loadBalancer.metrics;
  alarm('Api5xxRate', {
    alarmDescription: `Over ${ALARM_THRESHOLDS.api5xxPercent}% of api requests answered 5xx for 10 minutes: see the api's log (each 5xx is logged with its request id)`,
    metric: new cloudwatch.MathExpression({
      expression: '100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / IF(FILL(requests, 0) > 0, requests, 1)',
      usingMetrics: {
        target5xx: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum' }),
        lb5xx: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { statistic: 'Sum' }),
        requests: lb.requestCount({ statistic: 'Sum' }),
      },
      period: Duration.minutes(5),
      label: 'api 5xx %',
    }),
    threshold: ALARM_THRESHOLDS.api5xxPercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 2,
  });
  alarm('ApiTasksUnhealthy', {
    alarmDescription:
      "An api task has failed the load balancer's /readyz for 5 minutes: PostgreSQL, Redis or S3 unreachable from it",
    metric: subjects.targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 5,
  });
  for (const [id, service] of [
    ['ApiTasksMissing', subjects.api],
    ['WorkerTasksMissing', subjects.worker],
  ] as const) {
    const insight = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName },
        statistic: 'Average',
        period: Duration.minutes(5),
      });
    alarm(id, {
      alarmDescription:
        "Fewer tasks run than the service wants, for 15 minutes: see the stopped tasks' reasons (ResourceInitializationError: a secret it cannot read; CannotPullContainerError: the image)",
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(desired, 0) - FILL(running, 0)',
        usingMetrics: { desired: insight('DesiredTaskCount'), running: insight('RunningTaskCount') },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
    });
  }
  return topic;
}
