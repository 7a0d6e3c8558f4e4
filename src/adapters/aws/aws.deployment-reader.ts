import {
  CloudFrontClient,
  GetDistributionCommand,
  GetPublicKeyCommand,
  ListDistributionsCommand,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import {
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeploymentReader, type BucketView, type DistributionView } from '../../ports/deployment-reader';

/** The AWS SDK's read-only calls behind the doctor's checks; nothing here can write. */
export class AwsDeploymentReader extends DeploymentReader {
  constructor(
    private readonly cloudfront: CloudFrontClient,
    private readonly s3: S3Client,
  ) {
    super();
  }

  static create(region: string): AwsDeploymentReader {
    // CloudFront's API lives in us-east-1 whatever the bucket's region.
    return new AwsDeploymentReader(new CloudFrontClient({ region: 'us-east-1' }), new S3Client({ region }));
  }

  async hasCredentials(): Promise<boolean> {
    try {
      const credentials = await this.s3.config.credentials();
      return Boolean(credentials.accessKeyId);
    } catch {
      return false;
    }
  }

  async distribution(ref: { id: string | undefined; host: string }): Promise<DistributionView | null> {
    const id = ref.id ?? (await this.findByHost(ref.host));
    if (!id) return null;
    const out = await missingAsNull(this.cloudfront.send(new GetDistributionCommand({ Id: id })), 'NoSuchDistribution');
    const distribution = out?.Distribution;
    if (!distribution?.DistributionConfig) return null;
    const config: DistributionConfig = distribution.DistributionConfig;
    const behavior = (
      pathPattern: string | null,
      b: { TrustedKeyGroups?: { Enabled?: boolean; Quantity?: number }; ViewerProtocolPolicy?: string },
    ) => ({
      pathPattern,
      trustedKeyGroups: b.TrustedKeyGroups?.Enabled ? (b.TrustedKeyGroups.Quantity ?? 0) : 0,
      viewerProtocolPolicy: b.ViewerProtocolPolicy ?? 'allow-all',
    });
    return {
      id,
      domainName: distribution.DomainName ?? '',
      aliases: config.Aliases?.Items ?? [],
      behaviors: [
        ...(config.CacheBehaviors?.Items ?? []).map((b) => behavior(b.PathPattern ?? '', b)),
        ...(config.DefaultCacheBehavior ? [behavior(null, config.DefaultCacheBehavior)] : []),
      ],
      activeKeyIds: (distribution.ActiveTrustedKeyGroups?.Items ?? []).flatMap((g) => g.KeyPairIds?.Items ?? []),
      ipv6Enabled: config.IsIPV6Enabled ?? false,
      customCertificate:
        !config.ViewerCertificate?.CloudFrontDefaultCertificate &&
        Boolean(config.ViewerCertificate?.ACMCertificateArn ?? config.ViewerCertificate?.IAMCertificateId),
      minimumProtocolVersion: config.ViewerCertificate?.MinimumProtocolVersion ?? null,
    };
  }

  async publicKey(id: string): Promise<string | null> {
    const out = await missingAsNull(this.cloudfront.send(new GetPublicKeyCommand({ Id: id })), 'NoSuchPublicKey');
    return out?.PublicKey?.PublicKeyConfig?.EncodedKey ?? null;
  }

  async bucket(name: string): Promise<BucketView> {
    const [block, cors, lifecycle, policy] = await Promise.all([
      missingAsNull(
        this.s3.send(new GetPublicAccessBlockCommand({ Bucket: name })),
        'NoSuchPublicAccessBlockConfiguration',
      ),
      missingAsNull(this.s3.send(new GetBucketCorsCommand({ Bucket: name })), 'NoSuchCORSConfiguration'),
      missingAsNull(
        this.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })),
        'NoSuchLifecycleConfiguration',
      ),
      missingAsNull(this.s3.send(new GetBucketPolicyCommand({ Bucket: name })), 'NoSuchBucketPolicy'),
    ]);
    const b = block?.PublicAccessBlockConfiguration;
    return {
      publicAccessBlock: b
        ? {
            blockPublicAcls: b.BlockPublicAcls === true,
            ignorePublicAcls: b.IgnorePublicAcls === true,
            blockPublicPolicy: b.BlockPublicPolicy === true,
            restrictPublicBuckets: b.RestrictPublicBuckets === true,
          }
        : null,
      cors: cors
        ? (cors.CORSRules ?? []).map((r) => ({
            methods: r.AllowedMethods ?? [],
            origins: r.AllowedOrigins ?? [],
            exposeHeaders: r.ExposeHeaders ?? [],
          }))
        : null,
      lifecycle: lifecycle
        ? (lifecycle.Rules ?? []).map((r) => ({
            enabled: r.Status === 'Enabled',
            abortIncompleteAfterDays: r.AbortIncompleteMultipartUpload?.DaysAfterInitiation ?? null,
          }))
        : null,
      policyStatements: policy?.Policy ? statements(policy.Policy) : null,
    };
  }

  private async findByHost(host: string): Promise<string | null> {
    let marker: string | undefined;
    do {
      const page = await this.cloudfront.send(new ListDistributionsCommand({ Marker: marker }));
      const list = page.DistributionList;
      const found = (list?.Items ?? []).find((d) => d.DomainName === host || (d.Aliases?.Items ?? []).includes(host));
      if (found?.Id) return found.Id;
      marker = list?.IsTruncated ? list.NextMarker : undefined;
    } while (marker);
    return null;
  }
}

/** "Not configured" answers are facts to judge, not failures to throw. */
async function missingAsNull<T>(call: Promise<T>, missingCode: string): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if ((error as { name?: string }).name === missingCode) return null;
    throw error;
  }
}

function statements(policy: string): Array<Record<string, unknown>> {
  const parsed = JSON.parse(policy) as { Statement?: unknown };
  const list = Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
  return list as Array<Record<string, unknown>>;
}
