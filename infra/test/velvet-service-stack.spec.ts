import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations, aws_ec2 as ec2, type App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp } from '../lib/app.ts';
import { REPOSITORY_ROOT } from '../lib/service/service-images.ts';
import { readGroupKey, type GroupKey } from '../lib/public-keys.ts';
import { API_CERTIFICATE, APP_ORIGIN, keyDir, keyFile } from './support.ts';

const KEY = keyFile('service');
const ROTATED = keyFile('service-next');
const SECRET = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
const EXISTING = {
  INFRA_VPC_ID: 'vpc-0123456789abcdef0',
  INFRA_PUBLIC_SUBNET_IDS: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  INFRA_PRIVATE_SUBNET_IDS: 'subnet-0123456789abcdef2,subnet-0123456789abcdef3',
  INFRA_DATABASE_SECRET_ARN: SECRET('velvet-db'),
  INFRA_REDIS_URL: 'rediss://cache.example.internal:6379',
  INFRA_REDIS_SECRET_ARN: SECRET('velvet-redis'),
  INFRA_API_IMAGE: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/velvet:1.4.0-api',
  INFRA_WORKER_IMAGE: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/velvet:1.4.0-worker',
  INFRA_WEB_ACL_ARN: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/velvet/12345678-1234-1234-1234-123456789012',
  INFRA_MULTI_AZ: 'true',
  INFRA_WORKER_SPOT: 'true',
  INFRA_WORKER_MIN_TASKS: '1',
  INFRA_DOMAIN_NAME: 'cdn.example.com',
  INFRA_CERTIFICATE_ARN: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
  INFRA_GEO_DENY: 'KP',
};

function build(env: Record<string, string> = {}) {
  const built = buildApp({
    INFRA_PUBLIC_KEYS: KEY,
    INFRA_APP_ORIGINS: APP_ORIGIN,
    INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
    ...env,
  });
  return { ...built, media: Template.fromStack(built.stack), template: Template.fromStack(built.service) };
}

type Resource = { Properties: Record<string, any> };
const values = (resources: Record<string, any>): Resource[] => Object.values(resources);
const container = (template: Template, name: 'api' | 'worker') =>
  values(template.findResources('AWS::ECS::TaskDefinition'))
    .map((r) => r.Properties.ContainerDefinitions[0])
    .find((c: any) => c.Name === name);
const environment = (c: any): Record<string, unknown> =>
  Object.fromEntries(c.Environment.map((e: any) => [e.Name, e.Value]));

describe('the service stack, from its defaults', () => {
  const { template, media } = build();
  const api = container(template, 'api');
  const worker = container(template, 'worker');

  it('runs the api on Fargate, at least two tasks, behind HTTPS with the certificate, health on /readyz', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      LoadBalancers: [Match.objectLike({ ContainerName: 'api', ContainerPort: 3000 })],
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: API_CERTIFICATE }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS' }) })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/readyz',
      Matcher: { HttpCode: '200' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
  });

  it('builds the images from the root Dockerfile by default, one asset per target', () => {
    expect(existsSync(join(REPOSITORY_ROOT, 'Dockerfile'))).toBe(true);
    const images = [api, worker].map((c) => JSON.stringify(c.Image));
    for (const image of images) expect(image).toMatch(/aws-cdk\/assets:[0-9a-f]{64}/);
    expect(images[0]).not.toBe(images[1]);
  });

  it('makes a new VPC, an encrypted RDS PostgreSQL with backups, and a Valkey with TLS, auth and noeviction', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      MultiAZ: false,
      DeletionProtection: true,
      PubliclyAccessible: false,
    });
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot' });
    const [cache] = values(template.findResources('AWS::ElastiCache::ReplicationGroup'));
    expect(cache!.Properties).toMatchObject({
      Engine: 'valkey',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
    });
    // The token is read by CloudFormation from Secrets Manager: the template holds a reference only.
    expect(JSON.stringify(cache!.Properties.AuthToken)).toMatch(/\{\{resolve:secretsmanager:/);
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey8',
      Properties: { 'maxmemory-policy': 'noeviction' },
    });
    expect(environment(api).REDIS_URL).toEqual({
      'Fn::Join': ['', ['rediss://', expect.anything(), ':', expect.anything()]],
    });
  });

  it('passes every secret as an ECS secret from Secrets Manager, and none in plain text', () => {
    const names = (c: any) => c.Secrets.map((s: any) => s.Name).sort();
    expect(names(api)).toEqual(
      [
        'CLOUDFRONT_PRIVATE_KEY',
        'DATABASE_HOST',
        'DATABASE_NAME',
        'DATABASE_PASSWORD',
        'DATABASE_PORT',
        'DATABASE_USER',
        'JWT_AUDIENCE',
        'JWT_ISSUER',
        'JWT_JWKS_URL',
        'REDIS_PASSWORD',
        'WEBHOOK_SECRET_KEY',
      ].sort(),
    );
    // The worker signs nothing and verifies no token.
    expect(names(worker)).not.toContain('CLOUDFRONT_PRIVATE_KEY');
    expect(names(worker)).toContain('WEBHOOK_SECRET_KEY');
    for (const c of [api, worker]) {
      for (const name of Object.keys(environment(c))) expect(name).not.toMatch(/PASSWORD|PRIVATE_KEY|SECRET|TOKEN/);
      for (const secret of c.Secrets) expect(JSON.stringify(secret.ValueFrom)).toMatch(/secretsmanager|Ref/);
    }
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/PRIVATE KEY|SecretString"\s*:\s*"/);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 43, ExcludePunctuation: true, IncludeSpace: false },
    });
  });

  it('configures the api for production behind the load balancer, with the signing key from SSM and its fingerprint', () => {
    const env = environment(api);
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      TRUST_PROXY: '1',
      CORS_ORIGINS: APP_ORIGIN,
      DATABASE_SSLMODE: 'no-verify',
      METRICS_EMF_INTERVAL_SECONDS: '60',
      METRICS_EMF_DEPLOYMENT: 'VelvetMediaService',
      CLOUDFRONT_KEY_FINGERPRINT: (readGroupKey(KEY) as GroupKey).fingerprint,
    });
    expect(env.CLOUDFRONT_KEY_PAIR_ID).toEqual({ Ref: expect.stringMatching(/^SsmParameterValue/) });
    media.hasResourceProperties('AWS::SSM::Parameter', { Name: '/VelvetMedia/cloudfront-signing-key-id' });
  });

  it('gives the task roles the two least-privilege policies, and the worker its own task protection', () => {
    const roles = values(template.findResources('AWS::IAM::Role')).filter((r) => r.Properties.ManagedPolicyArns);
    const imported = roles.map((r) => JSON.stringify(r.Properties.ManagedPolicyArns));
    expect(imported.some((text) => /ExportsOutputRefApiPolicy/.test(text))).toBe(true);
    expect(imported.some((text) => /ExportsOutputRefWorkerPolicy/.test(text))).toBe(true);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ProtectOwnTask',
            Action: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':task/')])] },
          }),
        ]),
      },
    });
  });

  it('gives a stopping worker the Fargate maximum, and hands jobs back within it', () => {
    expect(worker.StopTimeout).toBe(120);
    expect(Number(environment(worker).TRANSCODE_SHUTDOWN_GRACE_SECONDS)).toBeLessThan(120);
    expect(environment(worker).TRANSCODE_TMP_DIR).toBe('/scratch');
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { EphemeralStorage: { SizeInGiB: 50 } });
  });

  it('scales the worker from 0 on the backlog per running task, and starts the first task when jobs wait', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    const policy = values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).find(
      (p) => p.Properties.PolicyName === 'VelvetMediaService-worker-backlog-per-task',
    )!;
    const config = policy.Properties.TargetTrackingScalingPolicyConfiguration;
    expect(config.TargetValue).toBe(2);
    const metrics = config.CustomizedMetricSpecification.Metrics;
    expect(metrics.find((m: any) => m.Id === 'backlog').MetricStat.Metric).toEqual({
      Namespace: 'Velvet',
      MetricName: 'TranscodeBacklog',
      Dimensions: [{ Name: 'Deployment', Value: 'VelvetMediaService' }],
    });
    expect(metrics.find((m: any) => m.Id === 'running').MetricStat.Metric.MetricName).toBe('RunningTaskCount');
    expect(metrics.find((m: any) => m.ReturnData).Expression).toMatch(/^backlog \/ IF\(/);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      }),
    });
    const starter = values(template.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      JSON.stringify(a.Properties.Metrics ?? '').includes('DesiredTaskCount'),
    )!;
    expect(JSON.stringify(starter.Properties.AlarmActions)).toMatch(/WorkerStartFromZero/);
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('alarms on the oldest queued video, failures per hour, the api 5xx rate and tasks that are not healthy', () => {
    const alarms = values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => JSON.stringify(a.Properties));
    const notifying = alarms.filter((a) => /AlarmActions.*Alarms/.test(a));
    for (const signal of [
      'OldestQueuedVideoSeconds',
      'VideosFailedLastHour',
      'HTTPCode_Target_5XX_Count',
      'UnHealthyHostCount',
      'RunningTaskCount',
    ])
      expect(notifying.some((a) => a.includes(signal))).toBe(true);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('puts a WAF web ACL on the distribution: a rate limit per client address and AWS common rules', () => {
    media.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Name: 'VelvetMedia-media',
      Rules: [
        Match.objectLike({
          Action: { Block: {} },
          Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP', Limit: 3000 }) },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' },
          },
        }),
      ],
    });
    const [distribution] = values(media.findResources('AWS::CloudFront::Distribution'));
    expect(distribution!.Properties.DistributionConfig.WebACLId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^WebAcl/), 'Arn'],
    });
    // CloudFront takes web ACLs from us-east-1 only: the template refuses any other region up front.
    expect(JSON.stringify(media.toJSON().Rules)).toMatch(/us-east-1/);
  });
});

describe('the service stack, on what the operator already has', () => {
  const { template, media } = build(EXISTING);

  it('makes no VPC, database or Redis of its own, and uses the given ones and images', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    const api = container(template, 'api');
    expect(environment(api).REDIS_URL).toBe('rediss://cache.example.internal:6379');
    expect(JSON.stringify(api.Image)).toMatch(/velvet:1\.4\.0-api/);
    expect(JSON.stringify(container(template, 'worker').Image)).toMatch(/velvet:1\.4\.0-worker/);
    expect(JSON.stringify(api.Secrets)).toContain(SECRET('velvet-db'));
    expect(JSON.stringify(api.Secrets)).toContain(SECRET('velvet-redis'));
    expect(environment(api).COOKIE_DOMAIN).toBe('example.com');
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1 });
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          Subnets: ['subnet-0123456789abcdef2', 'subnet-0123456789abcdef3'],
          AssignPublicIp: 'DISABLED',
        }),
      },
    });
  });

  it('passes the previous webhook sealing key to both services only while a change is under way', () => {
    const changing = build({ ...EXISTING, INFRA_PREVIOUS_WEBHOOK_KEY_SECRET_ARN: SECRET('webhook-old') });
    for (const name of ['api', 'worker'] as const) {
      const secrets = container(changing.template, name).Secrets;
      expect(secrets).toContainEqual({ Name: 'WEBHOOK_SECRET_KEY_PREVIOUS', ValueFrom: SECRET('webhook-old') });
      expect(JSON.stringify(container(template, name).Secrets)).not.toContain('WEBHOOK_SECRET_KEY_PREVIOUS');
    }
  });

  it('puts the given web ACL on the distribution and makes none', () => {
    media.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const [distribution] = values(media.findResources('AWS::CloudFront::Distribution'));
    expect(distribution!.Properties.DistributionConfig.WebACLId).toBe(EXISTING.INFRA_WEB_ACL_ARN);
    expect(media.toJSON().Rules).toBeUndefined();
  });

  it('names the last public key as the signing key, so a rotation appends', () => {
    const rotated = build({ ...EXISTING, INFRA_PUBLIC_KEYS: `${KEY},${ROTATED}` });
    expect(environment(container(rotated.template, 'api')).CLOUDFRONT_KEY_FINGERPRINT).toBe(
      (readGroupKey(ROTATED) as GroupKey).fingerprint,
    );
  });
});

describe("the operator's own settings (INFRA_SETTINGS_FILE)", () => {
  it('reach the api and the worker, and never override what the stack sets or carry a secret', () => {
    const file = join(keyDir, 'velvet-settings.env');
    writeFileSync(file, '# Cognito groups as roles\nJWT_ROLES_CLAIM=cognito:groups\nLADDER="1080,720,360"\n');
    const { template } = build({ INFRA_SETTINGS_FILE: file });
    for (const name of ['api', 'worker'] as const)
      expect(environment(container(template, name))).toMatchObject({
        JWT_ROLES_CLAIM: 'cognito:groups',
        LADDER: '1080,720,360',
        NODE_ENV: 'production',
      });
    writeFileSync(file, 'JWT_SECRET=swordfish-swordfish-swordfish-123\nNODE_ENV=development\nnot a line\n');
    expect(() => build({ INFRA_SETTINGS_FILE: file })).toThrow(
      /line 1: JWT_SECRET is set by the stack or is a secret[\s\S]*line 2: NODE_ENV is set by the stack[\s\S]*line 3 is not NAME=value/,
    );
  });
});

describe('cdk-nag AwsSolutions', () => {
  const findings = (env: Record<string, string>) => {
    const { app } = buildApp({
      INFRA_PUBLIC_KEYS: KEY,
      INFRA_APP_ORIGINS: APP_ORIGIN,
      INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
      ...env,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
      return { app, report: '' };
    } catch (error) {
      return { app, report: String((error as Error).message) };
    }
  };
  const acknowledged = (app: App): Array<[string, string]> => {
    const out: Array<[string, string]> = [];
    const walk = (node: IConstruct) => {
      for (const entry of node.node.metadata)
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          out.push(...(Object.entries(entry.data as Record<string, string>) as Array<[string, string]>));
      node.node.children.forEach(walk);
    };
    walk(app);
    return out;
  };

  it.each([
    ['the defaults', {}],
    ['existing VPC, database, Redis, images and web ACL, Multi-AZ, Spot, own CDN domain', EXISTING],
  ])('finds nothing unacknowledged in both stacks with %s, and every acknowledgment says why', (_, env) => {
    const { app, report } = findings(env);
    expect(report).toBe('');
    // Velvet's own acknowledgments (aws-cdk-lib adds some of its own for its validator).
    const acks = acknowledged(app).filter(([id]) => id.includes('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(5);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(40);
  });

  it('does report what is not acknowledged: a database port opened to the internet fails the run', () => {
    const { app, service } = buildApp({
      INFRA_PUBLIC_KEYS: KEY,
      INFRA_APP_ORIGINS: APP_ORIGIN,
      INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
    });
    const group = service.node.findChild('DatabaseSecurityGroup') as ec2.SecurityGroup;
    group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432), 'a mistake');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/DatabaseSecurityGroup[\s\S]*AwsSolutions-EC23/);
  });
});

describe('the key fingerprint', () => {
  it('is the same in infra/ (the public key) and in the api (its private key)', async () => {
    // The api's module, by path: infra/ type-checks as ES modules, src/ as CommonJS.
    const { keyFingerprint } = (await import(join(__dirname, '..', '..', 'src', 'domain', 'key-fingerprint.ts'))) as {
      keyFingerprint: (key: KeyObject) => string;
    };
    const group = readGroupKey(KEY) as GroupKey;
    expect(group.fingerprint).toMatch(/^[0-9A-F]{16}$/);
    expect(keyFingerprint(createPublicKey(readFileSync(KEY)))).toBe(group.fingerprint);
  });
});
