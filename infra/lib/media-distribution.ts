import { mediaWebAcl } from './media-web-acl.ts';
import {
  Annotations,
  Duration,
  Validations,
  aws_certificatemanager as acm,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as origins,
  aws_iam as iam,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { InfraInputs } from './inputs.ts';
import { PREFIXES } from './media-bucket.ts';

export interface MediaDistribution {
  readonly distribution: cloudfront.Distribution;
  readonly publicKeys: ReadonlyArray<{ readonly fingerprint: string; readonly key: cloudfront.PublicKey }>;
  readonly cdnBaseUrl: string;
}

// Every request outside videos/* and downloads/* is answered 404 here, signed or not: the bucket
// holds uploads and work in progress that the CDN must never serve.
const NOT_FOUND = 'function handler(event) { return { statusCode: 404, statusDescription: "Not Found" }; }';
// downloads/* opens with a signed URL for the one file only: a request without one (a stream's
// cookies, whose policy could only ever name videos/{id}/*) is refused before any signature check.
const SIGNED_URL_ONLY = [
  'function handler(event) {',
  '  var q = event.request.querystring;',
  "  if (q['Signature'] && q['Key-Pair-Id']) return event.request;",
  '  return { statusCode: 403, statusDescription: "Forbidden" };',
  '}',
].join('\n');

/**
 * The distribution for private media only: every behavior restricted to Velvet's key group,
 * https only, the cache keyed on the path alone, CORS with credentials for the exact app origins.
 */
export function createMediaDistribution(
  scope: Construct,
  bucket: s3.Bucket,
  logBucket: s3.IBucket,
  inputs: InfraInputs,
): MediaDistribution {
  const publicKeys = inputs.publicKeys.map((k) => ({
    fingerprint: k.fingerprint,
    // The id comes from the key itself: rotation adds a resource and later removes one, never
    // edits one (CloudFront refuses to change a public key in place).
    key: new cloudfront.PublicKey(scope, `PublicKey${k.fingerprint}`, {
      encodedKey: k.pem,
      comment: `Velvet signing key ${k.fingerprint}`,
    }),
  }));
  const keyGroup = new cloudfront.KeyGroup(scope, 'Signers', {
    items: publicKeys.map((k) => k.key),
    comment: 'Velvet: keys the api signs cookies and URLs with',
  });

  // Signatures are checked on the viewer request and CloudFront strips its own parameters, so
  // nothing but the path belongs in the cache key: cookies there would split the cache per viewer.
  const cachePolicy = new cloudfront.CachePolicy(scope, 'PathOnly', {
    comment: 'Velvet: cache key is the path only',
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    headerBehavior: cloudfront.CacheHeaderBehavior.none(),
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
    enableAcceptEncodingGzip: false,
    enableAcceptEncodingBrotli: false,
    // Velvet's Cache-Control decides (segments immutable, growing playlists short-lived).
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.days(1),
    maxTtl: Duration.days(365),
  });

  const cors = new cloudfront.ResponseHeadersPolicy(scope, 'PlayerCors', {
    comment: 'Velvet: credentialed CORS for the app origins',
    corsBehavior: {
      accessControlAllowCredentials: true,
      // Exact origins: browsers refuse `*` on a request sent with cookies.
      accessControlAllowOrigins: [...inputs.appOrigins],
      accessControlAllowMethods: ['GET', 'HEAD'],
      accessControlAllowHeaders: ['Range'],
      accessControlExposeHeaders: ['Content-Length', 'Content-Range', 'ETag'],
      accessControlMaxAge: Duration.minutes(10),
      originOverride: true,
    },
    securityHeadersBehavior: {
      contentTypeOptions: { override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
    },
  });

  const notFound = new cloudfront.Function(scope, 'NotFound', {
    code: cloudfront.FunctionCode.fromInline(NOT_FOUND),
    runtime: cloudfront.FunctionRuntime.JS_2_0,
    comment: 'Velvet: nothing outside videos/ and downloads/ is served',
  });

  const signedUrlOnly = new cloudfront.Function(scope, 'SignedUrlOnly', {
    code: cloudfront.FunctionCode.fromInline(SIGNED_URL_ONLY),
    runtime: cloudfront.FunctionRuntime.JS_2_0,
    comment: 'Velvet: downloads/ only with a signed URL',
  });

  // The origin sees the bucket through a reference, so CDK's own grant (s3:GetObject on the whole
  // bucket, uploads/ included) cannot be added; the grant below names videos/* and downloads/* only.
  const originBucket = s3.Bucket.fromBucketAttributes(scope, 'MediaOrigin', {
    bucketArn: bucket.bucketArn,
    bucketName: bucket.bucketName,
    bucketRegionalDomainName: bucket.bucketRegionalDomainName,
  });
  Annotations.of(scope).acknowledgeWarning(
    '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
    'videos/* is granted to the distribution explicitly',
  );
  const origin = origins.S3BucketOrigin.withOriginAccessControl(originBucket, {
    originAccessLevels: [cloudfront.AccessLevel.READ],
  });

  const restricted = {
    origin,
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
    allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
    cachePolicy,
    trustedKeyGroups: [keyGroup],
    compress: false,
  };
  const distribution = new cloudfront.Distribution(scope, 'Cdn', {
    comment: 'Velvet private media (signed cookies and URLs)',
    defaultBehavior: {
      ...restricted,
      functionAssociations: [{ function: notFound, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    },
    additionalBehaviors: {
      [`${PREFIXES.videos}*`]: { ...restricted, responseHeadersPolicy: cors },
      // Saved by navigation (Content-Disposition: attachment), never fetched by a player: no CORS.
      [`${PREFIXES.downloads}*`]: {
        ...restricted,
        functionAssociations: [{ function: signedUrlOnly, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
    },
    // The *.cloudfront.net certificate's TLS policy is CloudFront's; with our own name it is ours.
    ...(inputs.domain
      ? {
          domainNames: [inputs.domain.name],
          certificate: acm.Certificate.fromCertificateArn(scope, 'Certificate', inputs.domain.certificateArn),
          minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          sslSupportMethod: cloudfront.SSLMethod.SNI,
        }
      : {}),
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    // A policy's IpAddress condition holds IPv4 only: IPv6 viewers could never match it.
    enableIpv6: !inputs.ipBinding,
    priceClass:
      cloudfront.PriceClass[
        inputs.priceClass === 'PriceClass_100'
          ? 'PRICE_CLASS_100'
          : inputs.priceClass === 'PriceClass_200'
            ? 'PRICE_CLASS_200'
            : 'PRICE_CLASS_ALL'
      ],
    ...(inputs.geo
      ? {
          geoRestriction:
            inputs.geo.kind === 'allow'
              ? cloudfront.GeoRestriction.allowlist(...inputs.geo.countries)
              : cloudfront.GeoRestriction.denylist(...inputs.geo.countries),
        }
      : {}),
    webAclId: mediaWebAcl(scope, inputs),
    enableLogging: true,
    logBucket,
    logFilePrefix: 'cloudfront/',
    // The cookies are signed credentials: they never go to a log.
    logIncludesCookies: false,
  });

  if (!inputs.domain)
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        "The *.cloudfront.net certificate's TLS policy is CloudFront's own and cannot be set; with INFRA_DOMAIN_NAME the stack sets TLSv1.2_2021.",
    });
  if (!inputs.geo)
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Paid videos are sold wherever the operator sells; INFRA_GEO_ALLOW or INFRA_GEO_DENY restricts countries.',
    });

  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DistributionReadsServedPrefixesOnly',
      principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${PREFIXES.videos}*`), bucket.arnForObjects(`${PREFIXES.downloads}*`)],
      conditions: { StringEquals: { 'AWS:SourceArn': distribution.distributionArn } },
    }),
  );

  const host = inputs.domain ? inputs.domain.name : distribution.distributionDomainName;
  return { distribution, publicKeys, cdnBaseUrl: `https://${host}` };
}
