import { createPublicKey } from 'node:crypto';
import { matchesPathPattern } from '../domain/cloudfront-wildcard';
import type { BucketView, DeploymentReader, DistributionView } from '../ports/deployment-reader';
import { fail, keyFix, pass, RESTRICT_VIEWER_ACCESS_FIX, warn, type DoctorCheck } from './doctor-check';

export interface AwsTarget {
  readonly distributionId: string | undefined;
  readonly cdnHost: string;
  readonly keyPairId: string;
  /** PEM of Velvet's private key: its public half must be the key CloudFront holds. */
  readonly privateKey: string;
  readonly bucket: string;
  readonly appOrigins: readonly string[];
  readonly bindIp: boolean;
  /** A path the CDN serves for a video, to find the behavior that serves it. */
  readonly videoPath: string;
}

/** The read-only AWS API checks: what the HTTPS probes cannot see from outside. */
export async function checkAws(reader: DeploymentReader, target: AwsTarget): Promise<DoctorCheck[]> {
  const distribution = await reader.distribution({ id: target.distributionId, host: target.cdnHost });
  const checks: DoctorCheck[] = [];
  if (!distribution) {
    checks.push(
      fail(
        'aws-distribution',
        `no distribution ${target.distributionId ?? `serves ${target.cdnHost}`}`,
        'set CLOUDFRONT_DISTRIBUTION_ID (the DistributionId output of the VelvetMedia stack)',
      ),
    );
  } else {
    checks.push(
      pass(
        'aws-distribution',
        `${distribution.id} (${distribution.domainName}${distribution.aliases.length ? `, ${distribution.aliases.join(', ')}` : ''})`,
      ),
    );
    checks.push(...distributionChecks(distribution, target));
    checks.push(await publicKeyCheck(reader, target));
  }
  checks.push(...bucketChecks(await reader.bucket(target.bucket), target));
  return checks;
}

function distributionChecks(d: DistributionView, target: AwsTarget): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const serving = d.behaviors.find(
    (b) => b.pathPattern === null || matchesPathPattern(b.pathPattern, target.videoPath),
  )!;
  const label = serving.pathPattern === null ? 'the default behavior' : `the behavior ${serving.pathPattern}`;
  checks.push(
    serving.trustedKeyGroups > 0
      ? pass(
          'aws-restricted',
          `${label} serves ${target.videoPath} and trusts ${serving.trustedKeyGroups} key group(s)`,
        )
      : fail(
          'aws-restricted',
          `${label} serves ${target.videoPath} without a trusted key group`,
          RESTRICT_VIEWER_ACCESS_FIX,
        ),
  );
  // Downloads: a behavior of their own (the default one answers 404), restricted like videos/*.
  const downloadPath = target.videoPath.replace(/^(\/?)videos\//, '$1downloads/');
  const downloads = d.behaviors.find((b) => b.pathPattern !== null && matchesPathPattern(b.pathPattern, downloadPath));
  checks.push(
    !downloads
      ? warn(
          'aws-downloads',
          'no behavior serves downloads/*: download links will answer 404',
          'deploy the infra/ stack of this version (a downloads/* behavior restricted to the key group, signed URLs only)',
        )
      : downloads.trustedKeyGroups > 0
        ? pass(
            'aws-downloads',
            `the behavior ${downloads.pathPattern} serves downloads/ and trusts ${downloads.trustedKeyGroups} key group(s)`,
          )
        : fail(
            'aws-downloads',
            `the behavior ${downloads.pathPattern} serves downloads/ without a trusted key group`,
            RESTRICT_VIEWER_ACCESS_FIX,
          ),
  );
  const openDefault = d.behaviors.find((b) => b.pathPattern === null && b.trustedKeyGroups === 0);
  if (openDefault && serving.pathPattern !== null) {
    checks.push(
      warn(
        'aws-default-restricted',
        'the default behavior trusts no key group',
        'restrict it too and answer 404 there (the infra/ stack does): only videos/* should be served',
      ),
    );
  }
  const insecure = d.behaviors.filter((b) => b.viewerProtocolPolicy === 'allow-all');
  checks.push(
    insecure.length === 0
      ? pass('aws-https-only', 'no behavior allows plain http')
      : fail(
          'aws-https-only',
          `${insecure.map((b) => b.pathPattern ?? 'the default behavior').join(', ')} allow(s) plain http`,
          'set the viewer protocol policy to https-only (or redirect-to-https)',
        ),
  );
  checks.push(
    d.activeKeyIds.includes(target.keyPairId)
      ? pass('aws-trusted-key', `${target.keyPairId} is among the active trusted keys`)
      : fail(
          'aws-trusted-key',
          `${target.keyPairId} is not among the active trusted keys (${d.activeKeyIds.join(', ') || 'none'})`,
          keyFix(target.keyPairId),
        ),
  );
  if (target.bindIp) {
    checks.push(
      d.ipv6Enabled
        ? fail(
            'aws-ipv6',
            'IPv6 is on while cookies are IP-bound (PLAYBACK_BIND_IP)',
            'turn IPv6 off on the distribution (INFRA_IP_BINDING=true): a policy IpAddress never matches an IPv6 viewer',
          )
        : pass('aws-ipv6', 'IPv6 is off, as IP-bound cookies need'),
    );
  }
  if (d.customCertificate) {
    checks.push(
      d.minimumProtocolVersion === 'TLSv1.2_2021'
        ? pass('aws-tls', 'TLSv1.2_2021 minimum')
        : warn(
            'aws-tls',
            `minimum protocol ${d.minimumProtocolVersion ?? 'unset'}`,
            'set the security policy to TLSv1.2_2021',
          ),
    );
  }
  return checks;
}

async function publicKeyCheck(reader: DeploymentReader, target: AwsTarget): Promise<DoctorCheck> {
  const held = await reader.publicKey(target.keyPairId);
  if (!held)
    return fail('aws-public-key', `CloudFront has no public key ${target.keyPairId}`, keyFix(target.keyPairId));
  const ours = createPublicKey(target.privateKey).export({ type: 'spki', format: 'der' });
  const theirs = publicKeyDer(held);
  return theirs && ours.equals(theirs)
    ? pass('aws-public-key', `the public key ${target.keyPairId} is the half of CLOUDFRONT_PRIVATE_KEY`)
    : fail(
        'aws-public-key',
        `the public key ${target.keyPairId} in CloudFront is not the half of CLOUDFRONT_PRIVATE_KEY`,
        keyFix(target.keyPairId),
      );
}

function publicKeyDer(pem: string): Buffer | null {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
}

function bucketChecks(bucket: BucketView, target: AwsTarget): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const block = bucket.publicAccessBlock;
  checks.push(
    block && block.blockPublicAcls && block.ignorePublicAcls && block.blockPublicPolicy && block.restrictPublicBuckets
      ? pass('aws-public-access-block', `${target.bucket} blocks all public access`)
      : fail(
          'aws-public-access-block',
          `${target.bucket} does not block all public access`,
          'turn on all four Block Public Access settings on the bucket',
        ),
  );
  const uploadRule = (origin: string) =>
    bucket.cors?.some(
      (r) =>
        r.methods.includes('PUT') &&
        (r.origins.includes(origin) || r.origins.includes('*')) &&
        r.exposeHeaders.some((h) => h.toLowerCase() === 'etag'),
    );
  const missing = target.appOrigins.filter((o) => !uploadRule(o));
  checks.push(
    bucket.cors === null
      ? fail(
          'aws-bucket-cors',
          `${target.bucket} has no CORS configuration`,
          'allow PUT and POST from the app origins and expose ETag (INFRA_APP_ORIGINS in the infra/ stack)',
        )
      : missing.length > 0
        ? fail(
            'aws-bucket-cors',
            `no CORS rule lets ${missing.join(', ')} PUT and read ETag`,
            'allow PUT and POST from the app origins and expose ETag',
          )
        : pass('aws-bucket-cors', 'browser uploads allowed from the app origins, ETag exposed'),
  );
  checks.push(
    bucket.lifecycle?.some((r) => r.enabled && r.abortIncompleteAfterDays !== null)
      ? pass('aws-lifecycle', 'incomplete multipart uploads are aborted')
      : warn(
          'aws-lifecycle',
          'no lifecycle rule aborts incomplete multipart uploads',
          'add one (the infra/ stack aborts them after 2 days): abandoned parts are billed forever',
        ),
  );
  const open = (bucket.policyStatements ?? []).filter(
    (s) =>
      s.Effect === 'Allow' &&
      readsObjects(s) &&
      (isAnyone(s.Principal) || (isCloudFront(s.Principal) && !onlyServed(s.Resource))),
  );
  checks.push(
    open.length === 0
      ? pass('aws-bucket-policy', 'only the distribution reads, and only videos/* and downloads/*')
      : fail(
          'aws-bucket-policy',
          `the bucket policy lets ${open.map((s) => JSON.stringify(s.Principal)).join(', ')} read ${open.map((s) => JSON.stringify(s.Resource)).join(', ')}`,
          'grant s3:GetObject to cloudfront.amazonaws.com on videos/* and downloads/* only, with AWS:SourceArn set to the distribution',
        ),
  );
  return checks;
}

function list(value: unknown): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);
}

function readsObjects(statement: Record<string, unknown>): boolean {
  return list(statement.Action).some((a) => /^(\*|s3:\*|s3:Get\*|s3:GetObject\*?)$/i.test(a));
}

function isAnyone(principal: unknown): boolean {
  return (
    principal === '*' ||
    (typeof principal === 'object' && principal !== null && list((principal as { AWS?: unknown }).AWS).includes('*'))
  );
}

function isCloudFront(principal: unknown): boolean {
  return (
    typeof principal === 'object' &&
    principal !== null &&
    list((principal as { Service?: unknown }).Service).includes('cloudfront.amazonaws.com')
  );
}

function onlyServed(resource: unknown): boolean {
  return list(resource).every((r) => /:::[^/]+\/(?:videos|downloads)\/./.test(r));
}
