import {
  Duration,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as origins,
  aws_iam as iam,
  aws_s3 as s3,
  type Stack,
} from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canMatchPrefix } from '../lib/guard-rules.ts';
import { guardedStack, keyFile } from './support.ts';

const PEMS = Array.from({ length: 6 }, (_, i) => readFileSync(keyFile(`guard-${i}`), 'utf8'));

function keyGroup(stack: Stack, keys = 1): cloudfront.KeyGroup {
  const items = PEMS.slice(0, keys).map((pem, i) => new cloudfront.PublicKey(stack, `Key${i}`, { encodedKey: pem }));
  return new cloudfront.KeyGroup(stack, 'Group', { items });
}

/** A private bucket behind OAC, with Velvet's narrow grant unless told otherwise. */
function mediaOrigin(
  stack: Stack,
  bucketProps: s3.BucketProps = {},
): { bucket: s3.Bucket; origin: cloudfront.IOrigin } {
  const bucket = new s3.Bucket(stack, 'Media', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, ...bucketProps });
  const ref = s3.Bucket.fromBucketAttributes(stack, 'Ref', {
    bucketArn: bucket.bucketArn,
    bucketRegionalDomainName: bucket.bucketRegionalDomainName,
  });
  return { bucket, origin: origins.S3BucketOrigin.withOriginAccessControl(ref) };
}

function grantVideos(bucket: s3.Bucket, distribution: cloudfront.Distribution, resource = 'videos/*'): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(resource)],
      conditions: { StringEquals: { 'AWS:SourceArn': distribution.distributionArn } },
    }),
  );
}

const errors = (stack: Stack) =>
  Annotations.fromStack(stack)
    .findError('*', Match.anyValue())
    .map((m) => String(m.entry.data));

/** A correct distribution, with one property of one behavior overridden. */
function distribution(
  stack: Stack,
  origin: cloudfront.IOrigin,
  group: cloudfront.IKeyGroup,
  override: {
    videos?: Partial<cloudfront.BehaviorOptions>;
    default?: Partial<cloudfront.BehaviorOptions>;
    extra?: Record<string, cloudfront.BehaviorOptions>;
  } = {},
): cloudfront.Distribution {
  const restricted = {
    origin,
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
    trustedKeyGroups: [group],
  };
  return new cloudfront.Distribution(stack, 'Cdn', {
    defaultBehavior: { ...restricted, ...override.default },
    additionalBehaviors: { 'videos/*': { ...restricted, ...override.videos }, ...override.extra },
  });
}

describe('the private-media guard (a CDK Aspect failing synth)', () => {
  it('passes a correctly restricted distribution', () => {
    const { stack } = guardedStack();
    const { bucket, origin } = mediaOrigin(stack);
    grantVideos(bucket, distribution(stack, origin, keyGroup(stack)));
    expect(errors(stack)).toEqual([]);
  });

  it('fails a videos/* behavior with no trusted key group', () => {
    const { stack } = guardedStack();
    const { origin } = mediaOrigin(stack);
    distribution(stack, origin, keyGroup(stack), { videos: { trustedKeyGroups: [] } });
    expect(errors(stack)).toEqual([
      expect.stringMatching(
        /the behavior "videos\/\*" can serve videos\/\* or downloads\/\* without a non-empty trusted key group.*set trustedKeyGroups to Velvet's key group \("restrict viewer access"\)/,
      ),
    ]);
  });

  it('fails an unrestricted default behavior, and any other pattern that reaches videos/', () => {
    const { stack } = guardedStack();
    const { origin } = mediaOrigin(stack);
    distribution(stack, origin, keyGroup(stack), {
      default: { trustedKeyGroups: undefined },
      extra: {
        '*.m3u8': { origin, viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY },
        'images/*': { origin, viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY },
      },
    });
    const found = errors(stack);
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/the default behavior can serve videos/);
    expect(found.join('\n')).toMatch(/the behavior "\*\.m3u8" can serve videos/);
  });

  it('fails a key group that points at one with no keys', () => {
    const { stack } = guardedStack();
    const { origin } = mediaOrigin(stack);
    distribution(stack, origin, keyGroup(stack, 0));
    expect(errors(stack).join('\n')).toMatch(/without a non-empty trusted key group/);
  });

  it('fails a key group of more than 5 keys', () => {
    const { stack } = guardedStack();
    const { origin } = mediaOrigin(stack);
    distribution(stack, origin, keyGroup(stack, 6));
    expect(errors(stack)).toEqual([
      expect.stringMatching(/holds 6 public keys; CloudFront takes at most 5: remove the oldest key/),
    ]);
  });

  it('fails "*" among the allowed origins with credentials (CDK itself accepts it)', () => {
    const { stack } = guardedStack();
    const { origin } = mediaOrigin(stack);
    const responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(stack, 'Cors', {
      corsBehavior: {
        accessControlAllowCredentials: true,
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: ['GET'],
        accessControlAllowHeaders: ['Range'],
        accessControlMaxAge: Duration.minutes(1),
        originOverride: true,
      },
    });
    distribution(stack, origin, keyGroup(stack), { videos: { responseHeadersPolicy } });
    expect(errors(stack)).toEqual([
      expect.stringMatching(/allows origin "\*" with credentials.*list the app origins exactly/),
    ]);
  });

  it('fails the allow-all viewer protocol (the CDK default without feature flags)', () => {
    const { stack } = guardedStack();
    const { origin } = mediaOrigin(stack);
    distribution(stack, origin, keyGroup(stack), {
      videos: { viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.ALLOW_ALL },
    });
    expect(errors(stack)).toEqual([
      expect.stringMatching(/allows plain http \(viewer protocol allow-all\): set viewerProtocolPolicy to https-only/),
    ]);
  });

  it("fails CDK's own OAC grant: s3:GetObject on the whole bucket, uploads/ included", () => {
    const { stack } = guardedStack();
    const bucket = new s3.Bucket(stack, 'Media', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
    const origin = origins.S3BucketOrigin.withOriginAccessControl(bucket);
    distribution(stack, origin, keyGroup(stack));
    expect(errors(stack)).toEqual([
      expect.stringMatching(
        /lets the distribution read \*, beyond videos\/\*.*grant s3:GetObject on videos\/\* and downloads\/\* only/,
      ),
    ]);
  });

  it('fails a bucket readable by anyone, or not blocking public access', () => {
    const { stack } = guardedStack();
    const { bucket, origin } = mediaOrigin(stack, { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });
    grantVideos(bucket, distribution(stack, origin, keyGroup(stack)));
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects('videos/*')],
      }),
    );
    const found = errors(stack).join('\n');
    expect(found).toMatch(/does not block all public access: set blockPublicAccess to BLOCK_ALL/);
    expect(found).toMatch(/lets \{"AWS":"\*"\} read objects \(videos\/\*\): only the distribution may read the bucket/);
  });

  it('fails a grant to the distribution that reaches uploads/', () => {
    const { stack } = guardedStack();
    const { bucket, origin } = mediaOrigin(stack);
    grantVideos(bucket, distribution(stack, origin, keyGroup(stack)), 'uploads/*');
    expect(errors(stack)).toEqual([expect.stringMatching(/lets the distribution read uploads\/\*, beyond videos\/\*/)]);
  });
});

describe('cdk synth under the guard', () => {
  it('exits non-zero with the message naming the fix (the CDK CLI, offline)', () => {
    const infra = join(__dirname, '..');
    const result = spawnSync(
      join(infra, 'node_modules', '.bin', 'cdk'),
      [
        'synth',
        '--app',
        `${process.execPath} test/fixtures/unrestricted-app.ts`,
        '--no-notices',
        '-q',
        '-o',
        mkdtempSync(join(tmpdir(), 'velvet-cdk-out-')),
      ],
      {
        cwd: infra,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          CDK_DISABLE_CLI_TELEMETRY: 'true',
          CDK_VALIDATION: 'false',
        },
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(
      /Private media: the default behavior can serve videos\/\* or downloads\/\* without a non-empty trusted key group/,
    );
    expect(result.stderr).toMatch(/lets the distribution read \*, beyond videos\/\*/);
  });
});

describe('canMatchPrefix', () => {
  it.each([
    ['videos/*', true],
    ['/videos/*', true],
    ['*', true],
    ['*.m3u8', true],
    ['v?deos/*', true],
    ['videos/abc/*', true],
    ['vid*', true],
    ['images/*', false],
    ['video', false],
    ['videos', false],
    ['uploads/*', false],
    ['Videos/*', false],
  ])('videos/: %s → %s', (pattern, expected) => {
    expect(canMatchPrefix(pattern, 'videos/')).toBe(expected);
  });

  it.each([
    ['downloads/*', true],
    ['d*', true],
    ['videos/*', false],
    ['download/*', false],
  ])('downloads/: %s → %s', (pattern, expected) => {
    expect(canMatchPrefix(pattern, 'downloads/')).toBe(expected);
  });
});
