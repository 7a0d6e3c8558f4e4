import {
  Duration,
  Validations,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_elasticloadbalancingv2 as elbv2,
  type aws_iam as iam,
  type aws_logs as logs,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ServiceNetwork } from './service-network.ts';
import type { ServiceInputs } from './service-inputs.ts';

export const API_PORT = 3000;

/** ECR's GetAuthorizationToken takes no resource: an execution role pulling any ECR image has `*`. */
export const EXECUTION_ROLE_ACKNOWLEDGMENT = {
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason:
    'ecr:GetAuthorizationToken (to pull the image) has no resource-level permission; the pull itself is granted on the one repository.',
};

/** What the api's and the worker's services are both built from. */
export interface ServiceTaskProps {
  readonly cluster: ecs.Cluster;
  readonly network: ServiceNetwork;
  readonly inputs: ServiceInputs;
  readonly image: ecs.ContainerImage;
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  readonly policy: iam.IManagedPolicy;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.ILogGroup;
}

export type ApiServiceProps = ServiceTaskProps;

export interface ApiService {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
}

/**
 * The api on Fargate behind an internet-facing load balancer: HTTPS only (HTTP redirects), TLS
 * 1.2+ with the operator's certificate, health by /readyz (PostgreSQL, Redis and S3 answer), at
 * least two tasks, a deploy that rolls back by itself when new tasks never get healthy.
 */
export function apiService(scope: Construct, props: ApiServiceProps): ApiService {
  const { cluster, network, inputs } = props;
  const task = new ecs.FargateTaskDefinition(scope, 'ApiTask', {
    cpu: inputs.api.cpu,
    memoryLimitMiB: inputs.api.memoryMiB,
    runtimePlatform: {
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
  });
  task.taskRole.addManagedPolicy(props.policy);
  task.addContainer('api', {
    image: props.image,
    environment: props.environment,
    secrets: props.secrets,
    portMappings: [{ containerPort: API_PORT }],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'api', logGroup: props.logGroup }),
    // SIGTERM: the api stops taking requests and finishes those in flight.
    stopTimeout: Duration.seconds(30),
  });
  Validations.of(task).acknowledge(EXECUTION_ROLE_ACKNOWLEDGMENT, {
    id: 'AwsSolutions-ECS2',
    reason:
      'The environment holds settings only (bucket, CDN, origins, endpoints); every secret goes through ECS secrets from Secrets Manager.',
  });

  const loadBalancerGroup = new ec2.SecurityGroup(scope, 'LoadBalancerSecurityGroup', {
    vpc: network.vpc,
    description: 'Velvet api load balancer: HTTPS, and HTTP redirected, from anywhere',
    allowAllOutbound: false,
  });
  loadBalancerGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from viewers, creators and players');
  loadBalancerGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, answered with a redirect to HTTPS');
  Validations.of(loadBalancerGroup).acknowledge({
    id: 'AwsSolutions-EC23',
    reason: 'The api is public: viewers, creators and player SDKs reach it from anywhere on 443 (80 only redirects).',
  });
  props.securityGroup.addIngressRule(loadBalancerGroup, ec2.Port.tcp(API_PORT), 'the load balancer');
  loadBalancerGroup.addEgressRule(props.securityGroup, ec2.Port.tcp(API_PORT), 'the api tasks');

  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc: network.vpc,
    vpcSubnets: network.publicSubnets,
    internetFacing: true,
    securityGroup: loadBalancerGroup,
    dropInvalidHeaderFields: true,
    // Upload completion and session requests are short; the api answers within REQUEST_TIMEOUT_SECONDS (30).
    idleTimeout: Duration.seconds(60),
  });
  Validations.of(loadBalancer).acknowledge({
    id: 'AwsSolutions-ELB2',
    reason:
      "The template is region-agnostic, and access logging names the region's own ELB account in the log bucket's policy; the api logs every request itself (method, path, status, request id) to CloudWatch Logs.",
  });

  const service = new ecs.FargateService(scope, 'Api', {
    cluster,
    taskDefinition: task,
    desiredCount: inputs.api.tasks,
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    circuitBreaker: { rollback: true },
    vpcSubnets: network.privateSubnets,
    securityGroups: [props.securityGroup],
    assignPublicIp: false,
    healthCheckGracePeriod: Duration.seconds(60),
  });
  const https = loadBalancer.addListener('Https', {
    port: 443,
    protocol: elbv2.ApplicationProtocol.HTTPS,
    certificates: [elbv2.ListenerCertificate.fromArn(inputs.apiCertificateArn)],
    sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    open: false,
  });
  const targetGroup = https.addTargets('Api', {
    port: API_PORT,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targets: [service],
    healthCheck: {
      path: '/readyz',
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    },
    deregistrationDelay: Duration.seconds(30),
  });
  loadBalancer.addListener('Http', {
    port: 80,
    open: false,
    defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
  });

  const scaling = service.autoScaleTaskCount({ minCapacity: inputs.api.tasks, maxCapacity: inputs.api.tasks * 4 });
  scaling.scaleOnCpuUtilization('Cpu', {
    targetUtilizationPercent: 60,
    scaleOutCooldown: Duration.seconds(60),
    scaleInCooldown: Duration.seconds(300),
  });
  return { service, loadBalancer, targetGroup };
}
