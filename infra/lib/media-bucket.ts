import { Duration, RemovalPolicy, Validations, aws_s3 as s3 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { InfraInputs } from './inputs.ts';

/** Where Velvet's objects live (keys built by src/domain/storage-keys.ts). */
export const PREFIXES = { uploads: 'uploads/', videos: 'videos/', work: 'work/', downloads: 'downloads/' } as const;

/**
 * The one private bucket: no public access of any kind, no ACLs, TLS 1.2+ only, SSE-S3 (OAC
 * with SSE-KMS needs key-policy work, docs/aws.md, "Facts and traps"), CORS for the browser's presigned uploads.
 */
export function createMediaBucket(scope: Construct, inputs: InfraInputs, logBucket: s3.IBucket): s3.Bucket {
  return new s3.Bucket(scope, 'Media', {
    // Uploads go to S3 directly (presigned), never through CloudFront: only S3's own log sees them.
    serverAccessLogsBucket: logBucket,
    serverAccessLogsPrefix: 's3/',
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    encryption: s3.BucketEncryption.S3_MANAGED,
    cors: [
      {
        // Presigned PUT (single file and multipart parts) and POST (form upload) from the app's pages.
        allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST],
        allowedOrigins: [...inputs.appOrigins],
        // The signature decides what a request may carry; browsers add Content-Type and checksums.
        allowedHeaders: ['*'],
        // The uploader reads each part's ETag to complete a multipart upload.
        exposedHeaders: ['ETag'],
        maxAge: 3000,
      },
    ],
    lifecycleRules: [
      // Parts of an upload nobody completes cost storage forever; Velvet's own sweep gives up
      // on an upload after UPLOAD_ABANDON_AFTER_SECONDS (1 day by default).
      { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
      // Chunk outputs are copied into videos/ and deleted by the worker; this only catches what a
      // lost worker left, long after any encode could still be running.
      { id: 'expire-orphaned-work', prefix: PREFIXES.work, expiration: Duration.days(14) },
    ],
    // Paid media: a stack deletion must never take the videos with it.
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** CloudFront's standard logs and the media bucket's server access logs: ACLs enabled, as that log delivery still writes with an ACL. */
export function accessLogBucket(scope: Construct, inputs: InfraInputs): s3.IBucket {
  if (inputs.logBucket) return s3.Bucket.fromBucketName(scope, 'AccessLogs', inputs.logBucket);
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This bucket receives the access logs; logging access to it would log into itself.',
  });
  return bucket;
}
