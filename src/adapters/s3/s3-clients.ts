import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { AppConfig } from '../../config/config';
import { isLoopbackHost } from '../../domain/ip';

export interface S3Clients {
  /** Server-side calls (head, list, delete, multipart bookkeeping, uploads). */
  readonly data: S3Client;
  /**
   * Presigning only. With the SDK's default `WHEN_SUPPORTED`, presigned PutObject/UploadPart
   * URLs carry the CRC32 of an empty body and every real upload fails (aws-sdk-js-v3#6994).
   */
  readonly presigner: S3Client;
}

export function createS3Clients(config: AppConfig['s3']): S3Clients {
  // Credentials come from the SDK's default chain (env, profile, instance/task role).
  const base: S3ClientConfig = {
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    maxAttempts: 3,
  };
  const clients = {
    data: new S3Client(base),
    // The same for responses: a presigned GET must not ask for x-amz-checksum-mode.
    // Presigned URLs are for browsers, which may reach the server by another name.
    presigner: new S3Client({
      ...base,
      endpoint: config.publicEndpoint ?? config.endpoint,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  };
  if (config.endpoint && isLoopback(config.endpoint)) stripBucketTrailingSlash(clients.data, config.bucket);
  const presignEndpoint = config.publicEndpoint ?? config.endpoint;
  if (presignEndpoint && isLoopback(presignEndpoint)) stripBucketTrailingSlash(clients.presigner, config.bucket);
  return clients;
}

function isLoopback(endpoint: string): boolean {
  return isLoopbackHost(new URL(endpoint).hostname);
}

/**
 * Local S3 emulator only (s3rver canonicalises `/bucket` where SDK v3 signs `/bucket/`, so
 * bucket-level calls such as ListObjectsV2 and DeleteObjects get 403 with path-style URLs).
 * Runs before signing, and only for that exact path: object keys are untouched.
 */
function stripBucketTrailingSlash(client: S3Client, bucket: string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (request.path === `/${bucket}/`) request.path = `/${bucket}`;
      return next(args);
    },
    { step: 'build', name: 'velvetLocalS3TrailingSlash' },
  );
}
