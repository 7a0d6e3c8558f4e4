import {
  Aws,
  CfnOutput,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_ecs as ecs,
  aws_logs as logs,
  aws_ssm as ssm,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { apiService, API_PORT } from './api-service.ts';
import { cookieDomainFor } from '../env-lines.ts';
import { serviceAlarms } from './service-alarms.ts';
import { dataStores } from './service-data-stores.ts';
import { serviceImage } from './service-images.ts';
import type { ServiceInputs } from './service-inputs.ts';
import { serviceNetwork } from './service-network.ts';
import { serviceSecrets } from './service-secrets.ts';
import type { VelvetMediaStack } from '../velvet-media-stack.ts';
import { workerService } from './worker-service.ts';

/** The namespace Velvet's tasks write their CloudWatch figures under (METRICS_EMF_NAMESPACE). */
export const METRICS_NAMESPACE = 'Velvet';

/** The service stack's outputs, by id: what the doctor and an operator read. */
export const SERVICE_OUTPUTS = {
  ApiUrl: "the api's URL through the load balancer (point the api's DNS name here: a CNAME or an alias)",
  LoadBalancerDnsName: "the load balancer's DNS name",
  ClusterName: 'the ECS cluster',
  ApiServiceName: "the api's ECS service",
  WorkerServiceName: "the worker's ECS service",
  WorkerScalingPolicyName: "the worker's target-tracking policy (backlog per task)",
  AlarmTopicArn: 'the SNS topic every alarm notifies',
  TasksSecurityGroupId: 'the security group of the tasks (an existing database or Redis must admit it)',
  MetricsDeployment: 'the Deployment dimension of the Velvet CloudWatch metrics',
} as const;

/**
 * Where Velvet runs: the api on Fargate behind a load balancer, workers on Fargate scaling with
 * the queue, PostgreSQL on RDS, Redis on ElastiCache, secrets from Secrets Manager, logs and
 * alarms. Beside the media stack, which it takes the bucket, the CDN and the policies from.
 */
export class VelvetServiceStack extends Stack {
  constructor(scope: Construct, id: string, media: VelvetMediaStack, inputs: ServiceInputs, props?: StackProps) {
    super(scope, id, {
      description: 'Velvet: api and workers on ECS Fargate, RDS PostgreSQL, ElastiCache, secrets, scaling and alarms',
      ...props,
    });
    // The signing key id is read from the media stack's SSM parameter, which must exist first.
    this.addStackDependency(media);
    const network = serviceNetwork(this, inputs);
    const stores = dataStores(this, network, inputs);
    const secrets = serviceSecrets(this, inputs, stores);
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      // RunningTaskCount and DesiredTaskCount, which the worker's scaling and the alarms read.
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const logGroup = (name: 'api' | 'worker') =>
      new logs.LogGroup(this, `${name === 'api' ? 'Api' : 'Worker'}Logs`, {
        retention: inputs.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    const pipelineMetric = { namespace: METRICS_NAMESPACE, deployment: this.stackName };
    const common: Record<string, string> = {
      // The operator's own settings first: what the stack sets below cannot be overridden.
      ...inputs.settings,
      NODE_ENV: 'production',
      S3_BUCKET: media.bucket.bucketName,
      S3_REGION: Aws.REGION,
      REDIS_URL: stores.redisUrl,
      // node-postgres verifies the server against Node's CAs, which RDS's own CA is not among:
      // encrypted, unverified, inside the VPC (docs/aws.md: verify-full with RDS's bundle).
      DATABASE_SSLMODE: 'no-verify',
      METRICS_EMF_INTERVAL_SECONDS: '60',
      METRICS_EMF_NAMESPACE: pipelineMetric.namespace,
      METRICS_EMF_DEPLOYMENT: pipelineMetric.deployment,
    };
    const cookieDomain = media.inputs.domain ? cookieDomainFor(media.inputs.domain.name) : null;
    const api = apiService(this, {
      cluster,
      network,
      inputs,
      image: serviceImage(this, inputs, 'api'),
      environment: {
        ...common,
        PORT: String(API_PORT),
        CORS_ORIGINS: media.inputs.appOrigins.join(','),
        CDN_BASE_URL: media.cdnBaseUrl,
        // Read from SSM at each deploy; the fingerprint changes the task definition on a rotation
        // (so tasks restart and read the new key id and private key), and the api refuses to
        // start when the private key in the secret is not that key's other half.
        CLOUDFRONT_KEY_PAIR_ID: ssm.StringParameter.valueForStringParameter(this, media.signingKey.idParameterName),
        CLOUDFRONT_KEY_FINGERPRINT: media.signingKey.fingerprint,
        PLAYBACK_BIND_IP: String(media.inputs.ipBinding),
        // The load balancer is the one hop whose X-Forwarded-For is trusted.
        TRUST_PROXY: '1',
        ...(cookieDomain ? { COOKIE_DOMAIN: cookieDomain } : {}),
      },
      secrets: secrets.api,
      policy: media.policies.api,
      securityGroup: stores.clientGroup,
      logGroup: logGroup('api'),
    });
    const worker = workerService(this, {
      cluster,
      network,
      inputs,
      image: serviceImage(this, inputs, 'worker'),
      environment: common,
      secrets: secrets.worker,
      policy: media.policies.worker,
      securityGroup: stores.clientGroup,
      logGroup: logGroup('worker'),
      backlogMetric: pipelineMetric,
    });
    const topic = serviceAlarms(this, {
      inputs,
      cluster,
      api: api.service,
      worker: worker.service,
      loadBalancer: api.loadBalancer,
      targetGroup: api.targetGroup,
      pipelineMetric,
    });

    const output = (id: keyof typeof SERVICE_OUTPUTS, value: string) =>
      new CfnOutput(this, id, { value, description: `Velvet's ${SERVICE_OUTPUTS[id]}` });
    output('ApiUrl', `https://${api.loadBalancer.loadBalancerDnsName}`);
    output('LoadBalancerDnsName', api.loadBalancer.loadBalancerDnsName);
    output('ClusterName', cluster.clusterName);
    output('ApiServiceName', api.service.serviceName);
    output('WorkerServiceName', worker.service.serviceName);
    output('WorkerScalingPolicyName', worker.scalingPolicyName);
    output('AlarmTopicArn', topic.topicArn);
    output('TasksSecurityGroupId', stores.clientGroup.securityGroupId);
    output('MetricsDeployment', pipelineMetric.deployment);
  }
}
