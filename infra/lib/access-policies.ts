import { type CfnElement, Stack, Validations, aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';
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
  const objectPatterns: string[] = [];
  const keys = (pattern: string) => {
    objectPatterns.push(pattern);
    return bucket.arnForObjects(pattern);
  };
  const objects = (actions: string[], prefixes: Prefix[], sid: string) =>
    new iam.PolicyStatement({ sid, actions, resources: prefixes.map((p) => keys(`${p}*`)) });
  // Captions are published by the api as it accepts them: new subtitle files and a new master
  // beside a version's own (src/domain/caption-files.ts), never a segment or an existing playlist.
  const captionFiles = new iam.PolicyStatement({
    sid: 'PublishCaptions',
    actions: ['s3:PutObject'],
    resources: [keys(`${videos}*/hls/*/captions/*`), keys(`${videos}*/hls/*/master-*.m3u8`)],
  });
  // The plain master (to add the subtitle group to) and the captioned one published last (which
  // languages it already names: a change then writes only its own files).
  const versionMasters = new iam.PolicyStatement({
    sid: 'ReadMasters',
    actions: ['s3:GetObject'],
    resources: [keys(`${videos}*/hls/*/master.m3u8`), keys(`${videos}*/hls/*/master-*.m3u8`)],
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
  // cdk-nag's AwsSolutions-IAM5 flags every `*` in a resource; each is a key pattern under one prefix.
  const bucketArn = `<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>`;
  const patterns = [...new Set(objectPatterns)];
  for (const policy of [api, worker])
    Validations.of(policy).acknowledge(
      ...[...new Set(patterns)].map((pattern) => ({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${pattern}]`,
        reason: `Velvet's keys are <prefix><video id>/…: the grant names one prefix's keys (${pattern}), never the whole bucket.`,
      })),
    );
  return { api, worker };
}
