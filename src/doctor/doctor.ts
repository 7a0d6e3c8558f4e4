import { SystemClock } from '../adapters/system.clock';
import { resolve6 } from 'node:dns/promises';
import { assertVideoId } from '../domain/ids';
import { cookieReaches } from '../config/playback-readiness';
import { isLoopbackHost } from '../domain/ip';
import { CloudfrontCdnSigner } from '../adapters/cloudfront.cdn-signer';
import type { DeploymentReader } from '../ports/deployment-reader';
import type { ServiceReader } from '../ports/service-reader';
import { checkAws } from './aws-checks';
import { checkService, type ServiceTarget } from './service-checks';
import { probeCdn } from './cdn-probes';
import { fail, pass, warn, type DoctorCheck } from './doctor-check';
import { s3ObjectUrl, type DoctorConfig } from './doctor.config';

export interface DoctorOptions {
  readonly config: DoctorConfig;
  /** One ready video: its objects are what the probes fetch. */
  readonly videoId: string;
  /** A file of that video under `videos/{id}/`; its poster by default. */
  readonly objectPath?: string;
  /** The app origin to test CORS for; the first of CORS_ORIGINS by default. */
  readonly origin?: string;
  /** The read-only AWS API, or why those checks are not run. */
  readonly reader: DeploymentReader | { readonly skip: string };
  /** The service stack to check (api, tasks, scaling, queue), with its read-only reader. */
  readonly service?: { readonly reader: ServiceReader; readonly target: ServiceTarget };
  readonly fetch?: typeof fetch;
  readonly resolve6?: (host: string) => Promise<string[]>;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly DoctorCheck[];
  /** Whole groups of checks not run, and why. */
  readonly skipped: readonly string[];
}

/** Every check of a live deployment; nothing here writes to AWS or to Velvet. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { config } = options;
  const videoId = assertVideoId(options.videoId);
  const objectPath = (options.objectPath ?? 'poster.jpg').replace(/^\/+/, '');
  if (objectPath.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw new Error(`--object ${objectPath}: a path inside the video's folder`);
  const signer = new CloudfrontCdnSigner({ cloudfront: config.cloudfront }, new SystemClock());
  const cdnHost = new URL(config.cdnBaseUrl).hostname;
  const checks: DoctorCheck[] = [cookieDomainCheck(config, cdnHost)];
  checks.push(
    ...(await probeCdn(
      {
        cdnBaseUrl: config.cdnBaseUrl,
        videoId,
        objectPath,
        keyPairId: config.cloudfront.keyPairId,
        appOrigin: options.origin ?? config.corsOrigins[0] ?? null,
        s3ObjectUrl: s3ObjectUrl(config.s3, `videos/${videoId}/${objectPath}`),
        bindIp: config.bindIp,
      },
      {
        sign: (policy) => signer.signPolicy(policy),
        fetch: options.fetch ?? fetch,
        resolve6: options.resolve6 ?? resolve6,
        now: () => Math.floor(Date.now() / 1000),
      },
    )),
  );
  const skipped: string[] = [];
  if ('skip' in options.reader) {
    skipped.push(`AWS API checks: ${options.reader.skip}`);
  } else if (!(await options.reader.hasCredentials())) {
    skipped.push(
      'AWS API checks: no AWS credentials in the environment (they need read-only CloudFront and S3 access)',
    );
  } else {
    checks.push(...(await awsChecks(options.reader, config, cdnHost, videoId, objectPath, options.origin)));
    if (options.service) checks.push(...(await serviceChecks(options.service, options.fetch ?? fetch)));
  }
  if (options.service && 'skip' in options.reader) skipped.push('service stack checks: they read the AWS API too');
  return { ok: checks.every((c) => c.status !== 'fail'), checks, skipped };
}

async function awsChecks(
  reader: DeploymentReader,
  config: DoctorConfig,
  cdnHost: string,
  videoId: string,
  objectPath: string,
  origin: string | undefined,
): Promise<DoctorCheck[]> {
  try {
    return await checkAws(reader, {
      distributionId: config.distributionId,
      cdnHost,
      keyPairId: config.cloudfront.keyPairId,
      privateKey: config.cloudfront.privateKey,
      bucket: config.s3.bucket,
      appOrigins: origin ? [origin] : config.corsOrigins,
      bindIp: config.bindIp,
      videoPath: `videos/${videoId}/${objectPath}`,
    });
  } catch (error) {
    // Denied or unreachable: one failed line, the HTTPS probes above still stand.
    return [
      fail(
        'aws-api',
        `the AWS API could not be read: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        AWS_READ_PERMISSIONS,
      ),
    ];
  }
}

async function serviceChecks(
  service: NonNullable<DoctorOptions['service']>,
  fetchFn: typeof fetch,
): Promise<DoctorCheck[]> {
  try {
    return await checkService(service.reader, service.target, fetchFn);
  } catch (error) {
    return [
      fail(
        'service-api',
        `the service stack could not be read: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        'give the doctor read-only access: cloudformation:DescribeStacks, ecs:DescribeServices, ecs:ListTasks, ecs:DescribeTasks, application-autoscaling:DescribeScalingPolicies, cloudwatch:GetMetricData',
      ),
    ];
  }
}

const AWS_READ_PERMISSIONS =
  'give the doctor read-only access: cloudfront:GetDistribution, cloudfront:ListDistributions, cloudfront:GetPublicKey, s3:GetBucketPublicAccessBlock, s3:GetBucketCORS, s3:GetLifecycleConfiguration, s3:GetBucketPolicy';

function cookieDomainCheck(config: DoctorConfig, cdnHost: string): DoctorCheck {
  const name = 'cookie-domain';
  if (config.cookieDomain) {
    return cookieReaches(config.cookieDomain, cdnHost)
      ? pass(name, `the cookies for ${config.cookieDomain} reach ${cdnHost}`)
      : fail(
          name,
          `${cdnHost} is neither ${config.cookieDomain} nor under it: browsers never send the cookies to the CDN`,
          'set COOKIE_DOMAIN to the CDN host or a parent domain of both the api and the CDN',
        );
  }
  if (isLoopbackHost(cdnHost))
    return pass(name, `host-only cookies, and the CDN is on ${cdnHost}, which the api shares`);
  return warn(
    name,
    `COOKIE_DOMAIN is not set: the cookies are host-only, so they reach ${cdnHost} only if the api answers on that host`,
  );
}
