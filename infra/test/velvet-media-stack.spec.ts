import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { APP_ORIGIN, keyFile, stackFrom } from './support.ts';

const KEY_A = keyFile('a');
const KEY_B = keyFile('b', 'ec');
const DOMAIN = {
  INFRA_DOMAIN_NAME: 'cdn.example.com',
  INFRA_CERTIFICATE_ARN: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
};

type Resource = { Properties: Record<string, any> };
const only = (resources: Record<string, any>): [string, Resource] => {
  const entries = Object.entries(resources);
  expect(entries).toHaveLength(1);
  return entries[0]!;
};

describe('the VelvetMedia stack', () => {
  const { stack, template } = stackFrom({ INFRA_PUBLIC_KEYS: `${KEY_A},${KEY_B}` });
  const [bucketId, bucket] = only(
    template.findResources('AWS::S3::Bucket', {
      Properties: { OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } },
    }),
  );
  const [distributionId, distribution] = only(template.findResources('AWS::CloudFront::Distribution'));
  const config = distribution.Properties.DistributionConfig;
  const [keyGroupId] = only(template.findResources('AWS::CloudFront::KeyGroup'));
  const videos = config.CacheBehaviors.find((b: any) => b.PathPattern === 'videos/*');
  const bucketArnFor = (path: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, path]] });

  it('synthesizes without a guard error', () => {
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  it('keeps the bucket private: all public access blocked, no ACLs, SSE-S3, TLS only', () => {
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets browsers upload from the exact app origins and read the ETag, and aborts stale multipart uploads', () => {
    expect(bucket.Properties.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({
        AllowedMethods: ['PUT', 'POST'],
        AllowedOrigins: [APP_ORIGIN],
        ExposedHeaders: ['ETag'],
      }),
    ]);
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: expect.any(Number) },
      }),
    );
  });

  it('restricts videos/* to the key group, https only, with the path-only cache key and the CORS policy', () => {
    expect(videos).toMatchObject({
      TrustedKeyGroups: [{ Ref: keyGroupId }],
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
    });
    template.hasResource('AWS::CloudFront::CachePolicy', {
      Properties: {
        CachePolicyConfig: Match.objectLike({
          ParametersInCacheKeyAndForwardedToOrigin: {
            CookiesConfig: { CookieBehavior: 'none' },
            HeadersConfig: { HeaderBehavior: 'none' },
            QueryStringsConfig: { QueryStringBehavior: 'none' },
            EnableAcceptEncodingGzip: false,
            EnableAcceptEncodingBrotli: false,
          },
        }),
      },
    });
    expect(videos.CachePolicyId).toEqual({
      Ref: Object.keys(template.findResources('AWS::CloudFront::CachePolicy'))[0],
    });
    const [corsId, cors] = only(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(videos.ResponseHeadersPolicyId).toEqual({ Ref: corsId });
    expect(cors.Properties.ResponseHeadersPolicyConfig.CorsConfig).toMatchObject({
      AccessControlAllowCredentials: true,
      AccessControlAllowOrigins: { Items: [APP_ORIGIN] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
    });
    expect(config.CustomErrorResponses).toBeUndefined();
  });

  const functionNamed = (comment: string): [string, Resource] =>
    only(
      template.findResources('AWS::CloudFront::Function', {
        Properties: { FunctionConfig: Match.objectLike({ Comment: comment }) },
      }),
    );
  const run = (fn: Resource) =>
    new Function(`${fn.Properties.FunctionCode}; return handler;`)() as (event: unknown) => {
      statusCode?: number;
      uri?: string;
    };

  it('serves downloads/* with the key group and a viewer-request function letting only signed URLs through', () => {
    const downloads = config.CacheBehaviors.find((b: any) => b.PathPattern === 'downloads/*');
    expect(downloads).toMatchObject({
      TrustedKeyGroups: [{ Ref: keyGroupId }],
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
    });
    expect(downloads.ResponseHeadersPolicyId).toBeUndefined();
    const [functionId, fn] = functionNamed('Velvet: downloads/ only with a signed URL');
    expect(downloads.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    // Run as CloudFront runs it: cookies alone are refused, a signed URL's parameters pass on.
    const handler = run(fn);
    const request = (querystring: object) => ({
      uri: '/downloads/x/v/a.mp4',
      querystring,
      cookies: { 'CloudFront-Policy': { value: 'p' } },
    });
    expect(handler({ request: request({}) }).statusCode).toBe(403);
    expect(handler({ request: request({ Signature: { value: 's' } }) }).statusCode).toBe(403);
    expect(
      handler({
        request: request({ Expires: { value: '1' }, Signature: { value: 's' }, 'Key-Pair-Id': { value: 'K' } }),
      }).uri,
    ).toBe('/downloads/x/v/a.mp4');
  });

  it('restricts the default behavior too and answers 404 there through a CloudFront Function', () => {
    expect(config.DefaultCacheBehavior).toMatchObject({
      TrustedKeyGroups: [{ Ref: keyGroupId }],
      ViewerProtocolPolicy: 'https-only',
    });
    const [functionId, fn] = functionNamed('Velvet: nothing outside videos/ and downloads/ is served');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    // The function's code, run as CloudFront runs it: every request gets 404.
    expect(run(fn)({ request: { uri: '/uploads/x/source' } }).statusCode).toBe(404);
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
  });

  it('reaches the bucket through origin access control, granted s3:GetObject on videos/* and downloads/* only', () => {
    const [oacId] = only(template.findResources('AWS::CloudFront::OriginAccessControl'));
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
      }),
    ]);
    const policy = Object.values(
      template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }),
    )[0]!;
    const allows = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: [bucketArnFor('/videos/*'), bucketArnFor('/downloads/*')],
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: distributionId },
                ],
              ],
            },
          },
        },
      }),
    ]);
  });

  it('logs access without cookies and keeps IPv6 on while cookies are not IP-bound', () => {
    expect(config.Logging).toMatchObject({ IncludeCookies: false });
    expect(config.IPV6Enabled).toBe(true);
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.PriceClass).toBe('PriceClass_All');
  });

  it('gives the api and the worker least-privilege managed policies: no s3:*, no "*" resource', () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    const grants = (id: string) =>
      (policies[id]!.Properties.PolicyDocument.Statement as any[]).flatMap((s) =>
        [s.Action]
          .flat()
          .flatMap((action: string) =>
            [s.Resource].flat().map((resource: unknown) => `${action} ${JSON.stringify(resource)}`),
          ),
      );
    for (const id of Object.keys(policies)) {
      for (const grant of grants(id)) {
        expect(grant).not.toMatch(/^s3:\*|^\*/);
        expect(grant).not.toMatch(/ "\*"$/);
      }
    }
    const [apiId] = Object.keys(policies).filter((id) => id.startsWith('ApiPolicy'));
    const [workerId] = Object.keys(policies).filter((id) => id.startsWith('WorkerPolicy'));
    const api = grants(apiId!);
    const worker = grants(workerId!);
    const on = (path: string) => JSON.stringify(bucketArnFor(path));
    expect(api).toContain(`s3:PutObject ${on('/uploads/*')}`);
    expect(api).not.toContain(`s3:PutObject ${on('/videos/*')}`);
    // Captions only: subtitle files and new masters beside a version's own, never a segment.
    expect(api.filter((g) => g.startsWith('s3:PutObject ') && g.includes('/videos/'))).toEqual([
      `s3:PutObject ${on('/videos/*/hls/*/captions/*')}`,
      `s3:PutObject ${on('/videos/*/hls/*/master-*.m3u8')}`,
    ]);
    expect(api.filter((g) => g.startsWith('s3:GetObject '))).toEqual([
      `s3:GetObject ${on('/uploads/*')}`,
      `s3:GetObject ${on('/videos/*/hls/*/master.m3u8')}`,
      `s3:GetObject ${on('/videos/*/hls/*/master-*.m3u8')}`,
    ]);
    expect(worker).toContain(`s3:PutObject ${on('/downloads/*')}`);
    expect(worker).not.toContain(`s3:GetObject ${on('/downloads/*')}`);
    expect(worker).toContain(`s3:GetObject ${on('/uploads/*')}`);
    expect(worker).toContain(`s3:PutObject ${on('/videos/*')}`);
    expect(worker).not.toContain(`s3:PutObject ${on('/uploads/*')}`);
    const list = (policies[apiId!]!.Properties.PolicyDocument.Statement as any[]).find(
      (s) => s.Action === 's3:ListBucket',
    );
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['uploads/*', 'videos/*', 'work/*', 'downloads/*'] } });
  });

  it("outputs what Velvet's .env takes: bucket, region, CDN URL, key ids, policy ARNs", () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'S3Bucket',
        'S3Region',
        'CdnBaseUrl',
        'DistributionId',
        'ApiPolicyArn',
        'WorkerPolicyArn',
      ]),
    );
    expect(outputs.S3Bucket!.Value).toEqual({ Ref: bucketId });
    expect(outputs.CdnBaseUrl!.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
    });
    expect(Object.keys(outputs).filter((id) => id.startsWith('CloudFrontKeyId'))).toHaveLength(2);
  });
});

describe('the VelvetMedia stack, configured', () => {
  it('serves a custom domain with its us-east-1 certificate at TLS 1.2 (2021)', () => {
    const { template } = stackFrom({ INFRA_PUBLIC_KEYS: KEY_A, ...DOMAIN });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['cdn.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: DOMAIN.INFRA_CERTIFICATE_ARN,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    expect(template.findOutputs('CdnBaseUrl').CdnBaseUrl!.Value).toBe('https://cdn.example.com');
  });

  it('turns IPv6 off when cookies are IP-bound, and applies geo restriction, price class and a given log bucket', () => {
    const { template } = stackFrom({
      INFRA_PUBLIC_KEYS: KEY_A,
      INFRA_IP_BINDING: 'true',
      INFRA_GEO_ALLOW: 'US,CA',
      INFRA_PRICE_CLASS: '100',
      INFRA_LOG_BUCKET: 'acme-cdn-logs',
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        IPV6Enabled: false,
        PriceClass: 'PriceClass_100',
        Restrictions: { GeoRestriction: { RestrictionType: 'whitelist', Locations: ['US', 'CA'] } },
        Logging: Match.objectLike({ IncludeCookies: false }),
      }),
    });
    const logging = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties
      .DistributionConfig.Logging;
    expect(JSON.stringify(logging.Bucket)).toContain('acme-cdn-logs.s3.');
    expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toHaveLength(1);
    expect(template.findOutputs('PlaybackBindIp').PlaybackBindIp!.Value).toBe('true');
  });

  it('names each public key after its fingerprint, so rotation adds and removes keys and never edits one', () => {
    const publicKeys = (files: string) => {
      const resources = stackFrom({ INFRA_PUBLIC_KEYS: files }).template.findResources('AWS::CloudFront::PublicKey');
      return new Map(
        Object.entries(resources).map(([id, r]) => [r.Properties.PublicKeyConfig.EncodedKey as string, id]),
      );
    };
    const before = publicKeys(KEY_A);
    const during = publicKeys(`${KEY_B},${KEY_A}`);
    const after = publicKeys(KEY_B);
    const [pemA, idA] = [...before][0]!;
    expect(during.get(pemA)).toBe(idA);
    const [pemB, idB] = [...after][0]!;
    expect(during.get(pemB)).toBe(idB);
    expect(idA).not.toBe(idB);
  });
});
