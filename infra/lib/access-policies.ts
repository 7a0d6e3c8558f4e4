import { aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PREFIXES } from './media-bucket.ts';

type Prefix = (typeof PREFIXES)[keyof typeof PREFIXES];

/**
 * Least privilege for each Velvet process, action by action on the prefix it needs (the calls
 * are in src/adapters/s3/s3.object-storage.ts): no `s3:*`, no `Resource: "*"`.
 * HeadObject is GetObject; CreateMultipartUpload, UploadPart and CompleteMultipartUpload are
 * PutObject; DeleteObjects is DeleteObject per key; ListObjectsV2 is ListBucket.
 */
export function createAccessPolicies(scope: Construct, bucket: s3.IBucket): { api: iam.ManagedPolicy; worker: iam.ManagedPolicy } {
  const { uploads, videos, work } = PREFIXES;
  const objects = (actions: string[], prefixes: Prefix[], sid: string) =>
    new iam.PolicyStatement({ sid, actions, resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)) });
  const list = (prefixes: Prefix[]) =>
    new iam.PolicyStatement({
      sid: 'ListOwnPrefixes',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
    });

  const api = new iam.ManagedPolicy(scope, 'ApiPolicy', {
    description: 'Velvet api: presigns uploads into uploads/, completes or aborts them, deletes a video\'s objects',
    statements: [
      // Presigned PUT/POST and multipart uploads of sources; the browser's request carries this grant.
      objects(['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], [uploads], 'UploadSources'),
      // HEAD of a finished upload, and the owner's presigned download of the source.
      objects(['s3:GetObject'], [uploads], 'ReadSources'),
      objects(['s3:DeleteObject'], [uploads, videos, work], 'DeleteVideos'),
      list([uploads, videos, work]),
    ],
  });
  const worker = new iam.ManagedPolicy(scope, 'WorkerPolicy', {
    description: 'Velvet worker: reads sources, writes ladders into videos/ (chunks through work/), sweeps what is left',
    statements: [
      objects(['s3:GetObject'], [uploads, videos, work], 'ReadMedia'),
      // Multipart writes of large files abort on failure; the abandoned-upload sweep aborts sources.
      objects(['s3:PutObject', 's3:AbortMultipartUpload'], [videos, work], 'WriteLadders'),
      objects(['s3:AbortMultipartUpload', 's3:DeleteObject'], [uploads], 'ExpireUploads'),
      objects(['s3:DeleteObject'], [videos, work], 'RetireVersions'),
      list([uploads, videos, work]),
    ],
  });
  return { api, worker };
}
