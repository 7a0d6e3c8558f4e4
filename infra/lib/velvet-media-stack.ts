import {
  Aspects,
  AspectPriority,
  Aws,
  CfnOutput,
  Stack,
  type StackProps,
  type aws_iam as iam,
  type aws_s3 as s3,
  aws_ssm as ssm,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { createAccessPolicies } from './access-policies.ts';
import type { InfraInputs } from './inputs.ts';
import { accessLogBucket, createMediaBucket } from './media-bucket.ts';
import { createMediaDistribution } from './media-distribution.ts';
import { KEY_ID_OUTPUT, OUTPUT_SETTINGS } from './outputs.ts';
import { PrivateMediaGuard } from './private-media-guard.ts';

/**
 * Velvet's AWS side in one stack (a bucket and its distribution in two stacks would reference
 * each other): the private bucket, the distribution for signed cookies, the IAM policies for
 * the api and the worker, and the outputs Velvet's `.env` takes.
 */
export class VelvetMediaStack extends Stack {
  /** What the service stack takes from this one (CloudFormation exports between the two). */
  readonly bucket: s3.IBucket;
  readonly cdnBaseUrl: string;
  /**
   * The key Velvet signs with: the last of INFRA_PUBLIC_KEYS (a rotation appends the new key).
   * Its id goes through an SSM parameter, not an export: a rotation changes it, and
   * CloudFormation refuses to change an export another stack imports.
   */
  readonly signingKey: { readonly idParameterName: string; readonly fingerprint: string };
  readonly policies: { readonly api: iam.IManagedPolicy; readonly worker: iam.IManagedPolicy };

  readonly inputs: InfraInputs;

  constructor(scope: Construct, id: string, inputs: InfraInputs, props?: StackProps) {
    super(scope, id, {
      description: 'Velvet: private media bucket and CloudFront distribution for signed-cookie HLS',
      ...props,
    });
    const logBucket = accessLogBucket(this, inputs);
    const bucket = createMediaBucket(this, inputs, logBucket);
    const media = createMediaDistribution(this, bucket, logBucket, inputs);
    const policies = createAccessPolicies(this, bucket);
    this.inputs = inputs;
    this.bucket = bucket;
    this.cdnBaseUrl = media.cdnBaseUrl;
    const signing = media.publicKeys.at(-1)!;
    const idParameterName = `/${inputs.stackName}/cloudfront-signing-key-id`;
    new ssm.StringParameter(this, 'SigningKeyId', {
      parameterName: idParameterName,
      description: `Velvet's CLOUDFRONT_KEY_PAIR_ID: the public key ${signing.fingerprint}, the last of the key group`,
      stringValue: signing.key.publicKeyId,
    });
    this.signingKey = { idParameterName, fingerprint: signing.fingerprint };
    this.policies = policies;

    const output = (id: keyof typeof OUTPUT_SETTINGS, value: string) =>
      new CfnOutput(this, id, { value, description: `Velvet's ${OUTPUT_SETTINGS[id]}` });
    output('S3Bucket', bucket.bucketName);
    output('S3Region', Aws.REGION);
    output('CdnBaseUrl', media.cdnBaseUrl);
    output('DistributionId', media.distribution.distributionId);
    output('PlaybackBindIp', String(inputs.ipBinding));
    output('ApiPolicyArn', policies.api.managedPolicyArn);
    output('WorkerPolicyArn', policies.worker.managedPolicyArn);
    for (const { fingerprint, key } of media.publicKeys) {
      new CfnOutput(this, `${KEY_ID_OUTPUT}${fingerprint}`, {
        value: key.publicKeyId,
        description: `Velvet's CLOUDFRONT_KEY_PAIR_ID for the public key ${fingerprint}`,
      });
    }

    // Last, after every construct is in place: a stack that would serve paid videos to anyone fails synth.
    Aspects.of(this).add(new PrivateMediaGuard(), { priority: AspectPriority.READONLY });
  }
}
