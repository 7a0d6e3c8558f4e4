import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFrontClient,
  GetDistributionCommand,
  GetPublicKeyCommand,
  ListDistributionsCommand,
  type GetDistributionCommandOutput,
} from '@aws-sdk/client-cloudfront';
import {
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsDeploymentReader } from '../adapters/aws/aws.deployment-reader';
import { checkAws, type AwsTarget } from './aws-checks';

const FIXTURES = join(__dirname, '../../test/fixtures/cloudfront');
const PRIVATE_KEY = readFileSync(join(FIXTURES, 'rsa-private.pem'), 'utf8');
const PUBLIC_KEY = readFileSync(join(FIXTURES, 'rsa-public.pem'), 'utf8');
const OTHER_PUBLIC_KEY = readFileSync(join(FIXTURES, 'ec-public.pem'), 'utf8');
const KEY_ID = 'K2JCJMDEHXQW5F';
const DISTRIBUTION_ID = 'E2QWRUHAPOMQZL';
const BUCKET = 'velvetmedia-media-1x2y3z';
const APP = 'https://app.example.com';

const target: AwsTarget = {
  distributionId: undefined,
  cdnHost: 'cdn.example.com',
  keyPairId: KEY_ID,
  privateKey: PRIVATE_KEY,
  bucket: BUCKET,
  appOrigins: [APP],
  bindIp: true,
  videoPath: 'videos/vid_0123456789abcdefghijkl/poster.jpg',
};

const keyGroups = { Enabled: true, Quantity: 1, Items: ['1d7a3b5c-0f6e-4a2b-9c8d-7e6f5a4b3c2d'] };

/** GetDistribution as CloudFront answers it for the VelvetMedia stack (trimmed to what is read). */
function distribution(change: (d: any) => void = () => undefined): GetDistributionCommandOutput {
  const d: any = {
    Id: DISTRIBUTION_ID,
    ARN: `arn:aws:cloudfront::123456789012:distribution/${DISTRIBUTION_ID}`,
    Status: 'Deployed',
    DomainName: 'd111111abcdef8.cloudfront.net',
    ActiveTrustedKeyGroups: {
      Enabled: true,
      Quantity: 1,
      Items: [{ KeyGroupId: keyGroups.Items[0], KeyPairIds: { Quantity: 1, Items: [KEY_ID] } }],
    },
    DistributionConfig: {
      CallerReference: 'velvet',
      Aliases: { Quantity: 1, Items: ['cdn.example.com'] },
      DefaultCacheBehavior: {
        TargetOriginId: 'media',
        TrustedKeyGroups: keyGroups,
        ViewerProtocolPolicy: 'https-only',
      },
      CacheBehaviors: {
        Quantity: 2,
        Items: [
          {
            PathPattern: 'videos/*',
            TargetOriginId: 'media',
            TrustedKeyGroups: keyGroups,
            ViewerProtocolPolicy: 'https-only',
          },
          {
            PathPattern: 'downloads/*',
            TargetOriginId: 'media',
            TrustedKeyGroups: keyGroups,
            ViewerProtocolPolicy: 'https-only',
          },
        ],
      },
      Comment: 'Velvet private media',
      Enabled: true,
      IsIPV6Enabled: false,
      ViewerCertificate: {
        CloudFrontDefaultCertificate: false,
        ACMCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
        SSLSupportMethod: 'sni-only',
        MinimumProtocolVersion: 'TLSv1.2_2021',
      },
    },
  };
  change(d);
  return { $metadata: {}, ETag: 'E2ETAG', Distribution: d };
}

const bucketPolicy = (statement: object) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      statement,
    ],
  });
const videosGrant = {
  Sid: 'DistributionReadsVideosOnly',
  Effect: 'Allow',
  Principal: { Service: 'cloudfront.amazonaws.com' },
  Action: 's3:GetObject',
  Resource: [`arn:aws:s3:::${BUCKET}/videos/*`, `arn:aws:s3:::${BUCKET}/downloads/*`],
  Condition: { StringEquals: { 'AWS:SourceArn': `arn:aws:cloudfront::123456789012:distribution/${DISTRIBUTION_ID}` } },
};

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });
}

describe("the doctor's AWS API checks (read-only, on responses shaped like AWS's)", () => {
  const cloudfront = mockClient(CloudFrontClient);
  const s3 = mockClient(S3Client);
  const reader = new AwsDeploymentReader(
    new CloudFrontClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' } }),
    new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' } }),
  );

  beforeEach(() => {
    cloudfront.reset();
    s3.reset();
    cloudfront.on(ListDistributionsCommand).resolves({
      DistributionList: {
        Marker: '',
        MaxItems: 100,
        IsTruncated: false,
        Quantity: 2,
        Items: [
          { Id: 'EOTHER', DomainName: 'd2.cloudfront.net', Aliases: { Quantity: 0 } } as any,
          {
            Id: DISTRIBUTION_ID,
            DomainName: 'd111111abcdef8.cloudfront.net',
            Aliases: { Quantity: 1, Items: ['cdn.example.com'] },
          } as any,
        ],
      },
    });
    cloudfront.on(GetDistributionCommand, { Id: DISTRIBUTION_ID }).resolves(distribution());
    cloudfront.on(GetPublicKeyCommand, { Id: KEY_ID }).resolves({
      PublicKey: {
        Id: KEY_ID,
        CreatedTime: new Date(),
        PublicKeyConfig: { CallerReference: 'c', Name: 'VelvetKey', EncodedKey: PUBLIC_KEY },
      },
    });
    s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    s3.on(GetBucketCorsCommand).resolves({
      CORSRules: [
        {
          AllowedMethods: ['PUT', 'POST'],
          AllowedOrigins: [APP],
          AllowedHeaders: ['*'],
          ExposeHeaders: ['ETag'],
          MaxAgeSeconds: 3000,
        },
      ],
    });
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({
      Rules: [
        {
          ID: 'abort-incomplete-multipart-uploads',
          Status: 'Enabled',
          Filter: { Prefix: '' },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
        },
      ],
    });
    s3.on(GetBucketPolicyCommand).resolves({ Policy: bucketPolicy(videosGrant) });
  });

  const statuses = (checks: Array<{ name: string; status: string }>) =>
    Object.fromEntries(checks.map((c) => [c.name, c.status]));
  const failed = async () => (await checkAws(reader, target)).filter((c) => c.status !== 'pass');

  it('passes a correct deployment, found by its alias, and only reads', async () => {
    const checks = await checkAws(reader, target);
    expect(statuses(checks)).toEqual({
      'aws-distribution': 'pass',
      'aws-restricted': 'pass',
      'aws-downloads': 'pass',
      'aws-https-only': 'pass',
      'aws-trusted-key': 'pass',
      'aws-ipv6': 'pass',
      'aws-tls': 'pass',
      'aws-public-key': 'pass',
      'aws-public-access-block': 'pass',
      'aws-bucket-cors': 'pass',
      'aws-lifecycle': 'pass',
      'aws-bucket-policy': 'pass',
    });
    const commands = [...cloudfront.calls(), ...s3.calls()].map((c) => (c.args[0] as object).constructor.name);
    expect(commands.every((name) => /^(Get|List)/.test(name))).toBe(true);
  });

  it('fails an unrestricted videos/* behavior with the restrict-viewer-access fix', async () => {
    cloudfront
      .on(GetDistributionCommand)
      .resolves(
        distribution(
          (d) => (d.DistributionConfig.CacheBehaviors.Items[0].TrustedKeyGroups = { Enabled: false, Quantity: 0 }),
        ),
      );
    expect(await failed()).toEqual([
      expect.objectContaining({
        name: 'aws-restricted',
        status: 'fail',
        fix: expect.stringMatching(/^restrict viewer access/),
      }),
    ]);
  });

  it('fails an unrestricted downloads/* behavior, and warns when there is none', async () => {
    cloudfront
      .on(GetDistributionCommand)
      .resolves(
        distribution(
          (d) => (d.DistributionConfig.CacheBehaviors.Items[1].TrustedKeyGroups = { Enabled: false, Quantity: 0 }),
        ),
      );
    expect(await failed()).toEqual([
      expect.objectContaining({
        name: 'aws-downloads',
        status: 'fail',
        fix: expect.stringMatching(/^restrict viewer access/),
      }),
    ]);
    cloudfront.on(GetDistributionCommand).resolves(
      distribution(
        (d) =>
          (d.DistributionConfig.CacheBehaviors = {
            Quantity: 1,
            Items: [d.DistributionConfig.CacheBehaviors.Items[0]],
          }),
      ),
    );
    expect(await failed()).toEqual([expect.objectContaining({ name: 'aws-downloads', status: 'warn' })]);
  });

  it('fails a key id that is not among the active trusted keys', async () => {
    cloudfront
      .on(GetDistributionCommand)
      .resolves(distribution((d) => (d.ActiveTrustedKeyGroups.Items[0].KeyPairIds.Items = ['KOTHERKEY'])));
    expect(await failed()).toEqual([
      expect.objectContaining({
        name: 'aws-trusted-key',
        status: 'fail',
        fix: expect.stringContaining(`CloudFront must trust Velvet's key ${KEY_ID}`),
      }),
    ]);
  });

  it("fails a public key that is not the half of Velvet's private key, or none", async () => {
    cloudfront.on(GetPublicKeyCommand).resolves({
      PublicKey: {
        Id: KEY_ID,
        CreatedTime: new Date(),
        PublicKeyConfig: { CallerReference: 'c', Name: 'x', EncodedKey: OTHER_PUBLIC_KEY },
      },
    });
    expect(await failed()).toEqual([
      expect.objectContaining({
        name: 'aws-public-key',
        status: 'fail',
        detail: expect.stringMatching(/is not the half of CLOUDFRONT_PRIVATE_KEY/),
      }),
    ]);
    cloudfront.on(GetPublicKeyCommand).rejects(awsError('NoSuchPublicKey'));
    expect(await failed()).toEqual([
      expect.objectContaining({
        name: 'aws-public-key',
        status: 'fail',
        detail: `CloudFront has no public key ${KEY_ID}`,
      }),
    ]);
  });

  it('fails IPv6 on while cookies are IP-bound, and plain http allowed', async () => {
    cloudfront.on(GetDistributionCommand).resolves(
      distribution((d) => {
        d.DistributionConfig.IsIPV6Enabled = true;
        d.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy = 'allow-all';
      }),
    );
    expect((await failed()).map((c) => c.name)).toEqual(['aws-https-only', 'aws-ipv6']);
  });

  it('fails a bucket without the public access block, CORS, or with a public read; warns on no lifecycle', async () => {
    s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration'));
    s3.on(GetBucketCorsCommand).rejects(awsError('NoSuchCORSConfiguration'));
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration'));
    s3.on(GetBucketPolicyCommand).resolves({
      Policy: bucketPolicy({
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      }),
    });
    expect(statuses(await failed())).toEqual({
      'aws-public-access-block': 'fail',
      'aws-bucket-cors': 'fail',
      'aws-lifecycle': 'warn',
      'aws-bucket-policy': 'fail',
    });
  });

  it("fails a grant to the distribution on the whole bucket (CDK's default OAC grant)", async () => {
    s3.on(GetBucketPolicyCommand).resolves({
      Policy: bucketPolicy({ ...videosGrant, Resource: `arn:aws:s3:::${BUCKET}/*` }),
    });
    expect(await failed()).toEqual([
      expect.objectContaining({
        name: 'aws-bucket-policy',
        status: 'fail',
        fix: expect.stringMatching(/on videos\/\* and downloads\/\* only/),
      }),
    ]);
  });

  it('fails when no distribution serves the CDN host', async () => {
    expect(await checkAws(reader, { ...target, cdnHost: 'cdn.other.example' })).toContainEqual(
      expect.objectContaining({
        name: 'aws-distribution',
        status: 'fail',
        fix: expect.stringMatching(/CLOUDFRONT_DISTRIBUTION_ID/),
      }),
    );
  });
});
