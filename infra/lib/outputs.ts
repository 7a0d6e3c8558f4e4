/** The stack's outputs, by output id, and the Velvet setting each one is (`npm run infra:env`). */
export const OUTPUT_SETTINGS = {
  S3Bucket: 'S3_BUCKET',
  S3Region: 'S3_REGION',
  CdnBaseUrl: 'CDN_BASE_URL',
  DistributionId: 'CLOUDFRONT_DISTRIBUTION_ID',
  PlaybackBindIp: 'PLAYBACK_BIND_IP',
  ApiPolicyArn: 'VELVET_API_POLICY_ARN',
  WorkerPolicyArn: 'VELVET_WORKER_POLICY_ARN',
} as const;

/** One output per public key: `CloudFrontKeyId` + the key's fingerprint. */
export const KEY_ID_OUTPUT = 'CloudFrontKeyId';
