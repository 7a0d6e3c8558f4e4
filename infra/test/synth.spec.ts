import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envLines } from '../lib/env-lines.ts';
import { InfraInputError, readInputs } from '../lib/inputs.ts';
import { plainTemplate } from '../lib/plain-template.ts';
import { API_CERTIFICATE, APP_ORIGIN, keyFile } from './support.ts';

const INFRA = join(__dirname, '..');
const KEY = keyFile('synth');

/** The package's own scripts, run as an operator runs them: offline, on this Node. */
function run(script: string, env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, [join(INFRA, 'bin', script), ...args], {
    cwd: INFRA,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm run infra:synth', () => {
  it('writes both stacks as plain CloudFormation templates under infra/ from three inputs, and prints their paths', () => {
    const result = run('synth-template.ts', {
      INFRA_PUBLIC_KEYS: KEY,
      INFRA_APP_ORIGINS: APP_ORIGIN,
      INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
      CDK_VALIDATION: 'false',
    });
    expect(result.stderr).toContain('INFRA_DOMAIN_NAME is not set');
    expect(result.status).toBe(0);
    const paths = result.stdout
      .trim()
      .split('\n')
      .map((line) => join(INFRA, line));
    expect(paths).toEqual([join(INFRA, 'VelvetMedia.template.json'), join(INFRA, 'VelvetMediaService.template.json')]);
    const [media, service] = paths.map((path) => {
      const text = readFileSync(path, 'utf8');
      expect(text).not.toMatch(/aws:cdk|CDKMetadata|BootstrapVersion|cdk-hnb659fds/);
      // CloudFormation takes a template body of up to 51,200 bytes without an S3 bucket.
      expect(text.replace(/\s+/g, '').length).toBeLessThan(51_200);
      return JSON.parse(text);
    });
    expect(media.Parameters).toBeUndefined();
    expect(media.Rules).toEqual({ WebAclRegion: expect.anything() });
    const types = (template: any) => Object.values(template.Resources).map((r: any) => r.Type);
    expect(types(media)).toEqual(
      expect.arrayContaining([
        'AWS::S3::Bucket',
        'AWS::CloudFront::Distribution',
        'AWS::CloudFront::KeyGroup',
        'AWS::CloudFront::PublicKey',
        'AWS::IAM::ManagedPolicy',
        'AWS::WAFv2::WebACL',
      ]),
    );
    // Defaults: a new VPC, a new database, a new Redis.
    expect(types(service)).toEqual(
      expect.arrayContaining([
        'AWS::EC2::VPC',
        'AWS::RDS::DBInstance',
        'AWS::ElastiCache::ReplicationGroup',
        'AWS::ECS::Service',
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'AWS::ApplicationAutoScaling::ScalingPolicy',
        'AWS::CloudWatch::Alarm',
      ]),
    );
    // No helper Lambda: a plain template needs no asset bucket. The one parameter reads the key id from SSM.
    expect(types(service)).not.toContain('AWS::Lambda::Function');
    expect(Object.values(service.Parameters)).toEqual([
      { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/VelvetMedia/cloudfront-signing-key-id' },
    ]);
    expect(result.stderr).toMatch(/set INFRA_API_IMAGE and INFRA_WORKER_IMAGE/);
  });

  it("passes CloudFormation's own template validation (what a deploy would refuse)", () => {
    const result = run('synth-template.ts', {
      INFRA_PUBLIC_KEYS: KEY,
      INFRA_APP_ORIGINS: APP_ORIGIN,
      INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
    });
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/CloudFormation Validate|Template validation found issues/);
  });

  it('derives every CloudFront name from INFRA_STACK_NAME, so a second stack in one account collides with none', () => {
    const names = (stackName?: string) => {
      const result = run('synth-template.ts', {
        INFRA_PUBLIC_KEYS: KEY,
        INFRA_APP_ORIGINS: APP_ORIGIN,
        INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
        CDK_VALIDATION: 'false',
        ...(stackName ? { INFRA_STACK_NAME: stackName } : {}),
      });
      expect(result.status).toBe(0);
      const paths = result.stdout
        .trim()
        .split('\n')
        .map((line) => join(INFRA, line));
      const name = stackName ?? 'VelvetMedia';
      expect(paths).toEqual([join(INFRA, `${name}.template.json`), join(INFRA, `${name}Service.template.json`)]);
      const templates = paths.map((path) => JSON.parse(readFileSync(path, 'utf8')));
      if (stackName) for (const path of paths) rmSync(path);
      return templates.flatMap((template) =>
        Object.values(template.Resources).flatMap((r: any) => {
          const p = r.Properties ?? {};
          const config =
            p.KeyGroupConfig ??
            p.PublicKeyConfig ??
            p.OriginAccessControlConfig ??
            p.ResponseHeadersPolicyConfig ??
            p.CachePolicyConfig ??
            p.FunctionConfig;
          // Every name an account holds once: CloudFront's, WAF's, SSM's, Secrets Manager's, RDS's, ElastiCache's, scaling's.
          const named =
            config?.Name ??
            p.DBInstanceIdentifier ??
            p.CacheSubnetGroupName ??
            (r.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy' ? p.PolicyName : undefined) ??
            p.LogGroupName ??
            ([
              'AWS::CloudFront::Function',
              'AWS::WAFv2::WebACL',
              'AWS::SSM::Parameter',
              'AWS::SecretsManager::Secret',
            ].includes(r.Type)
              ? p.Name
              : undefined);
          // A Ref names a resource of the same template, not a name of its own.
          return named === undefined || named.Ref ? [] : [JSON.stringify(named)];
        }),
      );
    };
    const production = names();
    const staging = names('VelvetStaging');
    expect(production.length).toBeGreaterThanOrEqual(12);
    expect(staging).toHaveLength(production.length);
    expect(staging.filter((n) => production.includes(n))).toEqual([]);
    expect(() =>
      readInputs({
        INFRA_PUBLIC_KEYS: KEY,
        INFRA_APP_ORIGINS: APP_ORIGIN,
        INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
        INFRA_STACK_NAME: 'bad name!',
      }),
    ).toThrow(/INFRA_STACK_NAME: "bad name!" is not a stack name/);
  });

  it('reads a relative key path from the directory the command was run in (npm names it INIT_CWD)', () => {
    const operator = mkdtempSync(join(tmpdir(), 'velvet-operator-'));
    writeFileSync(join(operator, 'cloudfront-public.pem'), readFileSync(KEY));
    try {
      const result = run('synth-template.ts', {
        INFRA_PUBLIC_KEYS: 'cloudfront-public.pem',
        INFRA_APP_ORIGINS: APP_ORIGIN,
        INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
        INIT_CWD: operator,
        CDK_VALIDATION: 'false',
      });
      expect(result.stderr).not.toMatch(/cannot be read/);
      expect(result.status).toBe(0);
    } finally {
      rmSync(operator, { recursive: true, force: true });
    }
  });

  it('lists every input problem at once and writes nothing', () => {
    const file = join(INFRA, 'VelvetMedia.template.json');
    rmSync(file, { force: true });
    const result = run('synth-template.ts', {
      INFRA_APP_ORIGINS: '*',
      INFRA_GEO_ALLOW: 'US',
      INFRA_GEO_DENY: 'FR',
      INFRA_WORKER_MIN_TASKS: '5',
      INFRA_WORKER_MAX_TASKS: '2',
      INFRA_WORKER_CPU: '3000',
      INFRA_VPC_ID: 'vpc-0123456789abcdef0',
      INFRA_API_IMAGE: 'velvet:latest',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/INFRA_API_CERTIFICATE_ARN: required/);
    expect(result.stderr).toMatch(/INFRA_WORKER_MIN_TASKS: 5 is above INFRA_WORKER_MAX_TASKS \(2\)/);
    expect(result.stderr).toMatch(/INFRA_WORKER_CPU: "3000" is not a Fargate CPU size/);
    expect(result.stderr).toMatch(/INFRA_PUBLIC_SUBNET_IDS: with INFRA_VPC_ID, at least two subnet ids/);
    expect(result.stderr).toMatch(/INFRA_API_IMAGE, INFRA_WORKER_IMAGE: set both/);
    expect(result.stderr).toMatch(/INFRA_PUBLIC_KEYS: required/);
    expect(result.stderr).toMatch(/INFRA_APP_ORIGINS: "\*": browsers refuse a wildcard origin/);
    expect(result.stderr).toMatch(/INFRA_GEO_ALLOW and INFRA_GEO_DENY: set one of them, not both/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('the stack inputs', () => {
  const problems = (env: Record<string, string>) => {
    try {
      readInputs(env);
    } catch (error) {
      if (error instanceof InfraInputError) return error.problems;
      throw error;
    }
    return [];
  };

  it('accepts CDK context where the environment is silent, the environment winning', () => {
    const context: Record<string, string> = {
      INFRA_PUBLIC_KEYS: KEY,
      INFRA_APP_ORIGINS: 'https://ctx.example.com',
      INFRA_PRICE_CLASS: 'PriceClass_200',
    };
    const { inputs } = readInputs(
      { INFRA_APP_ORIGINS: APP_ORIGIN, INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE },
      (name) => context[name],
    );
    expect(inputs.appOrigins).toEqual([APP_ORIGIN]);
    expect(inputs.priceClass).toBe('PriceClass_200');
    expect(inputs.publicKeys).toHaveLength(1);
  });

  it('refuses keys CloudFront cannot take: more than 5, a private key, RSA-1024, a duplicate, a missing file', () => {
    const six = Array.from({ length: 6 }, (_, i) => keyFile(`six-${i}`)).join(',');
    expect(
      problems({ INFRA_PUBLIC_KEYS: six, INFRA_APP_ORIGINS: APP_ORIGIN, INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE }),
    ).toEqual([expect.stringMatching(/6 keys, but a CloudFront key group holds at most 5/)]);
    const found = problems({
      INFRA_PUBLIC_KEYS: [keyFile('priv', 'private'), keyFile('small', 'rsa1024'), KEY, KEY, '/nonexistent.pem'].join(
        ',',
      ),
      INFRA_APP_ORIGINS: APP_ORIGIN,
      INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
    });
    expect(found).toEqual([
      expect.stringMatching(/priv\.pem: holds a private key; give the public half/),
      expect.stringMatching(/small\.pem: CloudFront accepts RSA-2048 or ECDSA P-256 public keys only/),
      expect.stringMatching(/synth\.pem is the same key as .*synth\.pem/),
      expect.stringMatching(/nonexistent\.pem: cannot be read/),
    ]);
  });

  it('refuses origins that are not exact, a domain without its certificate, a certificate outside us-east-1', () => {
    expect(
      problems({
        INFRA_PUBLIC_KEYS: KEY,
        INFRA_APP_ORIGINS: 'https://app.example.com/,http://app.example.com',
        INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
        INFRA_DOMAIN_NAME: 'cdn.example.com',
      }),
    ).toEqual([
      expect.stringMatching(/"https:\/\/app\.example\.com\/" is not an exact https origin/),
      expect.stringMatching(/"http:\/\/app\.example\.com" is not an exact https origin/),
      expect.stringMatching(/INFRA_CERTIFICATE_ARN: required with INFRA_DOMAIN_NAME/),
    ]);
    expect(
      problems({
        INFRA_PUBLIC_KEYS: KEY,
        INFRA_APP_ORIGINS: APP_ORIGIN,
        INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
        INFRA_DOMAIN_NAME: 'cdn.example.com',
        INFRA_CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
      }),
    ).toEqual([
      expect.stringMatching(/the certificate is in eu-west-1; CloudFront takes certificates from us-east-1 only/),
    ]);
    expect(
      problems({
        INFRA_PUBLIC_KEYS: KEY,
        INFRA_APP_ORIGINS: APP_ORIGIN,
        INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE,
        INFRA_IP_BINDING: 'yes',
        INFRA_PRICE_CLASS: 'cheap',
        INFRA_GEO_DENY: 'France',
        INFRA_LOG_BUCKET: 'Logs!',
      }),
    ).toEqual([
      'INFRA_IP_BINDING: must be true or false',
      expect.stringMatching(/INFRA_GEO_DENY: France: use ISO 3166-1 alpha-2/),
      expect.stringMatching(/INFRA_PRICE_CLASS: "cheap" is not/),
      expect.stringMatching(/INFRA_LOG_BUCKET: "Logs!" is not an S3 bucket name/),
    ]);
  });
});

describe('npm run infra:env', () => {
  const deployed = {
    S3Bucket: 'velvetmedia-media-abc',
    S3Region: 'eu-west-1',
    CdnBaseUrl: 'https://cdn.example.com',
    DistributionId: 'E2ABCDEF123456',
    PlaybackBindIp: 'false',
    ApiPolicyArn: 'arn:aws:iam::123456789012:policy/VelvetMedia-ApiPolicy',
    WorkerPolicyArn: 'arn:aws:iam::123456789012:policy/VelvetMedia-WorkerPolicy',
    CloudFrontKeyIdAAAA: 'K2JCJMDEHXQW5F',
  };

  it('prints the outputs of `cdk deploy --outputs-file` as .env lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'velvet-outputs-'));
    writeFileSync(join(dir, 'outputs.json'), JSON.stringify({ VelvetMedia: deployed }));
    const result = run('print-env.ts', {}, [join(dir, 'outputs.json')]);
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    for (const line of [
      'S3_BUCKET=velvetmedia-media-abc',
      'S3_REGION=eu-west-1',
      'CDN_BASE_URL=https://cdn.example.com',
      'CLOUDFRONT_KEY_PAIR_ID=K2JCJMDEHXQW5F',
      'CLOUDFRONT_DISTRIBUTION_ID=E2ABCDEF123456',
      'PLAYBACK_BIND_IP=false',
      'COOKIE_DOMAIN=example.com',
    ]) {
      expect(lines).toContain(line);
    }
    expect(result.stdout).toContain('arn:aws:iam::123456789012:policy/VelvetMedia-ApiPolicy');
    // Every line is a comment or NAME=value: the output appends to a .env as it is.
    expect(lines.filter(Boolean).every((l) => l.startsWith('#') || /^[A-Z0-9_]+=\S+$/.test(l))).toBe(true);
  });

  it('takes `aws cloudformation describe-stacks` JSON too, and lists every key id during a rotation', () => {
    const stacks = {
      Stacks: [
        {
          StackName: 'VelvetMedia',
          Outputs: Object.entries({
            ...deployed,
            CdnBaseUrl: 'https://d111111abcdef8.cloudfront.net',
            CloudFrontKeyIdBBBB: 'K3NEWKEY',
          }).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    };
    stacks.Stacks.push({
      StackName: 'VelvetMediaService',
      Outputs: [{ OutputKey: 'LoadBalancerDnsName', OutputValue: 'velvet-alb-1.eu-west-1.elb.amazonaws.com' }],
    });
    const text = envLines(stacks, 'VelvetMedia').join('\n');
    expect(text).toContain('CLOUDFRONT_KEY_PAIR_ID=K3NEWKEY');
    expect(text).toMatch(/^DOCTOR_SERVICE_STACK=VelvetMediaService$/m);
    expect(text).toContain('(a CNAME): velvet-alb-1.eu-west-1.elb.amazonaws.com');
    expect(text).toMatch(/#\s+K2JCJMDEHXQW5F/);
    expect(text).not.toMatch(/^COOKIE_DOMAIN=/m);
  });

  it('says what is wrong with a file that is not the stack outputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'velvet-outputs-'));
    writeFileSync(join(dir, 'outputs.json'), JSON.stringify({ Other: {} }));
    const result = run('print-env.ts', {}, [join(dir, 'outputs.json')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/the outputs file has no VelvetMedia stack/);
    expect(plainTemplate({ Resources: { CDKMetadata: {}, X: { Metadata: { 'aws:cdk:path': 'x' } } } })).toEqual({
      Resources: { X: {} },
    });
  });
});
