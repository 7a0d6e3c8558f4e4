/** A CloudFront distribution as the doctor judges it (read-only, our own shape, never the SDK's). */
export interface DistributionView {
  readonly id: string;
  readonly domainName: string;
  readonly aliases: readonly string[];
  /** In CloudFront's order; `pathPattern` null for the default behavior, which comes last. */
  readonly behaviors: ReadonlyArray<{
    readonly pathPattern: string | null;
    readonly trustedKeyGroups: number;
    readonly viewerProtocolPolicy: string;
  }>;
  /** The public key ids CloudFront reports active in the trusted key groups. */
  readonly activeKeyIds: readonly string[];
  readonly ipv6Enabled: boolean;
  readonly customCertificate: boolean;
  readonly minimumProtocolVersion: string | null;
}

/** What the doctor reads of the bucket; null where the bucket has no such configuration. */
export interface BucketView {
  readonly publicAccessBlock: {
    readonly blockPublicAcls: boolean;
    readonly ignorePublicAcls: boolean;
    readonly blockPublicPolicy: boolean;
    readonly restrictPublicBuckets: boolean;
  } | null;
  readonly cors: ReadonlyArray<{
    readonly methods: readonly string[];
    readonly origins: readonly string[];
    readonly exposeHeaders: readonly string[];
  }> | null;
  readonly lifecycle: ReadonlyArray<{
    readonly enabled: boolean;
    readonly abortIncompleteAfterDays: number | null;
  }> | null;
  readonly policyStatements: ReadonlyArray<Record<string, unknown>> | null;
}

/**
 * Read-only views of a live AWS deployment (`npm run doctor`). Nothing here writes; every method
 * needs only Get/List permissions.
 */
export abstract class DeploymentReader {
  /** Whether the environment holds AWS credentials at all (the checks are skipped without). */
  abstract hasCredentials(): Promise<boolean>;
  /** By id, or else the distribution whose domain name or alias is `host`; null if none. */
  abstract distribution(ref: {
    readonly id: string | undefined;
    readonly host: string;
  }): Promise<DistributionView | null>;
  /** The PEM CloudFront holds under this public key id; null if it has no such key. */
  abstract publicKey(id: string): Promise<string | null>;
  abstract bucket(name: string): Promise<BucketView>;
}
