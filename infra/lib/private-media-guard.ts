import { Annotations, Stack, aws_cloudfront as cloudfront, aws_s3 as s3, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  findUnsafeMedia,
  render,
  type GuardBehavior,
  type GuardModel,
  type PolicyStatementJson,
} from './guard-rules.ts';

/**
 * Fails `cdk synth` (an error annotation) when the stack would let anyone but signed viewers
 * reach the videos: CDK itself synthesizes an unrestricted behavior, a sixth key, `*` origins
 * with credentials and a whole-bucket grant without a word (docs/aws.md, "Facts and traps"). Applied to a stack, it
 * reads the CloudFormation properties once every construct has rendered them.
 */
export class PrivateMediaGuard implements IAspect {
  visit(node: IConstruct): void {
    if (!Stack.isStack(node)) return;
    for (const finding of findUnsafeMedia(readModel(node)))
      Annotations.of(finding.at).addError(`Private media: ${finding.message}`);
  }
}

type Json = Record<string, unknown>;

function readModel(stack: Stack): GuardModel<IConstruct> {
  const model = { distributions: [], keyGroups: [], corsPolicies: [], buckets: [], bucketPolicies: [] } as {
    -readonly [K in keyof GuardModel<IConstruct>]: Array<GuardModel<IConstruct>[K][number]>;
  };
  const resolve = (value: unknown) => stack.resolve(value) as Json | undefined;
  for (const node of stack.node.findAll()) {
    if (Stack.of(node) !== stack) continue;
    if (node instanceof cloudfront.CfnDistribution) {
      const config = resolve(node.distributionConfig) ?? {};
      const behavior = (b: Json, pattern: string | null): GuardBehavior => ({
        pattern,
        keyGroups: ((b.trustedKeyGroups as unknown[] | undefined) ?? []).map(render).map(unwrap),
        viewerProtocolPolicy: b.viewerProtocolPolicy as string | undefined,
      });
      model.distributions.push({
        at: node,
        id: logicalId(stack, node),
        originBuckets: ((config.origins as Json[] | undefined) ?? [])
          .map((o) => render(o.domainName))
          .flatMap((d) => /^\$\{([^.}]+)\.RegionalDomainName\}$/.exec(d)?.[1] ?? []),
        behaviors: [
          behavior((config.defaultCacheBehavior as Json | undefined) ?? {}, null),
          ...((config.cacheBehaviors as Json[] | undefined) ?? []).map((b) => behavior(b, String(b.pathPattern))),
        ],
      });
    } else if (node instanceof cloudfront.CfnKeyGroup) {
      const config = resolve(node.keyGroupConfig) ?? {};
      model.keyGroups.push({
        at: node,
        id: logicalId(stack, node),
        keys: ((config.items as unknown[] | undefined) ?? []).length,
      });
    } else if (node instanceof cloudfront.CfnResponseHeadersPolicy) {
      const cors = resolve(node.responseHeadersPolicyConfig)?.corsConfig as Json | undefined;
      if (cors) {
        model.corsPolicies.push({
          at: node,
          credentials: cors.accessControlAllowCredentials === true,
          origins: (((cors.accessControlAllowOrigins as Json | undefined)?.items as unknown[] | undefined) ?? []).map(
            render,
          ),
        });
      }
    } else if (node instanceof s3.CfnBucket) {
      const block = resolve(node.publicAccessBlockConfiguration) ?? {};
      const all = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'].every(
        (k) => block[k] === true,
      );
      model.buckets.push({ at: node, id: logicalId(stack, node), blocksAllPublicAccess: all });
    } else if (node instanceof s3.CfnBucketPolicy) {
      const document = resolve(node.policyDocument) ?? {};
      model.bucketPolicies.push({
        at: node,
        bucket: unwrap(render(resolve(node.bucket))),
        statements: (document.Statement as PolicyStatementJson[] | undefined) ?? [],
      });
    }
  }
  return model;
}

/** `${Logical}` → `Logical`: references to the stack's own resources by logical id. */
function unwrap(text: string): string {
  return /^\$\{([^.}]+)\}$/.exec(text)?.[1] ?? text;
}

function logicalId(stack: Stack, node: { logicalId: string }): string {
  return String(stack.resolve(node.logicalId));
}
