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
export function createAccessPolicies(
  scope: Construct,
  bucket: s3.IBucket,
): { api: iam.ManagedPolicy; worker: iam.ManagedPolicy } {
  const { uploads, videos, work, downloads } = PREFIXES;
  const objects = (actions: string[], prefixes: Prefix[], sid: string) =>
    new iam.PolicyStatement({ sid, actions, resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)) });
  // Captions are published by the api as it accepts them: new subtitle files and a new master
  // beside a version's own (src/domain/caption-files.ts), never a segment or an existing playlist.
  const captionFiles = new iam.PolicyStatement({
    sid: 'PublishCaptions',
    actions: ['s3:PutObject'],
    resources: [
      bucket.arnForObjects(`${videos}*/hls/*/captions/*`),
      bucket.arnForObjects(`${videos}*/hls/*/master-*.m3u8`),
    ],
  });
  // The plain master (to add the subtitle group to) and the captioned one published last (which
  // languages it already names: a change then writes only its own files).
  const versionMasters = new iam.PolicyStatement({
    sid: 'ReadMasters',
    actions: ['s3:GetObject'],
    resources: [
      bucket.arnForObjects(`${videos}*/hls/*/master.m3u8`),
      bucket.arnForObjects(`${videos}*/hls/*/master-*.m3u8`),
    ],
  });
  const list = (prefixes: Prefix[]) =>
    new iam.PolicyStatement({
      sid: 'ListOwnPrefixes',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
    });

  const api = new iam.ManagedPolicy(scope, 'ApiPolicy', {
    description:
      "Velvet api: presigns uploads into uploads/, completes or aborts them, publishes captions, deletes a video's objects",
    statements: [
      // Presigned PUT/POST and multipart uploads of sources; the browser's request carries this grant.
      objects(['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], [uploads], 'UploadSources'),
      // HEAD of a finished upload, and the owner's presigned download of the source.
      objects(['s3:GetObject'], [uploads], 'ReadSources'),
      captionFiles,
      versionMasters,
      objects(['s3:DeleteObject'], [uploads, videos, work, downloads], 'DeleteVideos'),
      list([uploads, videos, work, downloads]),
    ],
  });
  const worker = new iam.ManagedPolicy(scope, 'WorkerPolicy', {
    description:
      'Velvet worker: reads sources, writes ladders into videos/ (chunks through work/) and MP4s into downloads/, sweeps what is left',
    statements: [
      objects(['s3:GetObject'], [uploads, videos, work], 'ReadMedia'),
      // Multipart writes of large files abort on failure; the abandoned-upload sweep aborts sources.
      objects(['s3:PutObject', 's3:AbortMultipartUpload'], [videos, work, downloads], 'WriteLadders'),
      objects(['s3:AbortMultipartUpload', 's3:DeleteObject'], [uploads], 'ExpireUploads'),
      objects(['s3:DeleteObject'], [videos, work, downloads], 'RetireVersions'),
      list([uploads, videos, work, downloads]),
    ],
  });
  return { api, worker };
}
