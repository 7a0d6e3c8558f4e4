import { CfnRule, Fn, Stack, aws_wafv2 as wafv2 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { InfraInputs } from './inputs.ts';

/**
 * The distribution's WAF: a rate-based rule per client address, then AWS's common rule set.
 * Every request CloudFront answers is billed, refused ones too: a flood of unsigned requests
 * would cost money even though each gets 403, so the flood is blocked before it is served.
 * Returns the web ACL's ARN for the distribution.
 */
export function mediaWebAcl(scope: Construct, inputs: InfraInputs): string {
  if ('webAclArn' in inputs.waf) return inputs.waf.webAclArn;
  const name = `${inputs.stackName}-media`;
  const visibility = (metricName: string) => ({
    cloudWatchMetricsEnabled: true,
    metricName: `${inputs.stackName}-${metricName}`,
    sampledRequestsEnabled: true,
  });
  const acl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    name,
    description: 'Velvet media: per-address rate limit and AWS common rules in front of the signed-cookie CDN',
    scope: 'CLOUDFRONT',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('media'),
    rules: [
      {
        name: 'RatePerClientAddress',
        priority: 0,
        action: { block: {} },
        statement: {
          rateBasedStatement: { limit: inputs.waf.ratePer5Minutes, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
        },
        visibilityConfig: visibility('rate'),
      },
      {
        name: 'AWSManagedRulesCommonRuleSet',
        priority: 1,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
        visibilityConfig: visibility('common'),
      },
    ],
  });
  // CloudFront takes web ACLs made in us-east-1 only; elsewhere the create would fail deep into
  // the deploy, so the template refuses at once and says what to do instead.
  new CfnRule(Stack.of(scope), 'WebAclRegion', {
    assertions: [
      {
        assert: Fn.conditionEquals(Stack.of(scope).region, 'us-east-1'),
        assertDescription:
          'The media stack makes its CloudFront web ACL, which AWS accepts only in us-east-1: deploy it there, or make a CLOUDFRONT-scope web ACL in us-east-1 and set INFRA_WEB_ACL_ARN',
      },
    ],
  });
  return acl.attrArn;
}
