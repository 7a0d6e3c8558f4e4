/**
 * What makes a stack serve paid videos to anyone, decided on plain values (the resolved
 * CloudFormation properties), so each rule is testable without CDK. `at` is whatever the caller
 * needs to point at the faulty resource.
 */

export interface GuardBehavior {
  /** null: the default behavior (it serves whatever no other behavior matches). */
  readonly pattern: string | null;
  /** Logical ids (or literal ids) of the trusted key groups. */
  readonly keyGroups: readonly string[];
  readonly viewerProtocolPolicy: string | undefined;
}

export interface GuardModel<At> {
  readonly distributions: ReadonlyArray<{
    readonly at: At;
    readonly id: string;
    readonly originBuckets: readonly string[];
    readonly behaviors: readonly GuardBehavior[];
  }>;
  readonly keyGroups: ReadonlyArray<{ readonly at: At; readonly id: string; readonly keys: number }>;
  readonly corsPolicies: ReadonlyArray<{
    readonly at: At;
    readonly credentials: boolean;
    readonly origins: readonly string[];
  }>;
  readonly buckets: ReadonlyArray<{ readonly at: At; readonly id: string; readonly blocksAllPublicAccess: boolean }>;
  readonly bucketPolicies: ReadonlyArray<{
    readonly at: At;
    readonly bucket: string;
    readonly statements: readonly PolicyStatementJson[];
  }>;
}

export interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface GuardFinding<At> {
  readonly at: At;
  readonly message: string;
}

const MAX_KEYS = 5;
// What the CDN serves (streams and downloads); everything else in the bucket it must never read.
const SERVED = ['videos/', 'downloads/'];
const READS = new Set(['*', 's3:*', 's3:get*', 's3:getobject', 's3:getobject*']);

export function findUnsafeMedia<At>(model: GuardModel<At>): GuardFinding<At>[] {
  const findings: GuardFinding<At>[] = [];
  const keyCount = new Map(model.keyGroups.map((g) => [g.id, g.keys]));
  const distributionIds = model.distributions.map((d) => d.id);

  for (const distribution of model.distributions) {
    for (const behavior of distribution.behaviors) {
      const name = behavior.pattern === null ? 'the default behavior' : `the behavior "${behavior.pattern}"`;
      if (behavior.viewerProtocolPolicy === undefined || behavior.viewerProtocolPolicy === 'allow-all') {
        findings.push({
          at: distribution.at,
          message: `${name} allows plain http (viewer protocol allow-all): set viewerProtocolPolicy to https-only (or redirect-to-https); signed cookies travel only over https`,
        });
      }
      if (behavior.pattern !== null && !SERVED.some((prefix) => canMatchPrefix(behavior.pattern!, prefix))) continue;
      const restricted = behavior.keyGroups.length > 0 && behavior.keyGroups.every((g) => (keyCount.get(g) ?? 1) > 0);
      if (!restricted) {
        findings.push({
          at: distribution.at,
          message: `${name} can serve videos/* or downloads/* without a non-empty trusted key group, so every signature is ignored and paid videos are public: set trustedKeyGroups to Velvet's key group ("restrict viewer access")`,
        });
      }
    }
  }

  for (const group of model.keyGroups) {
    if (group.keys > MAX_KEYS) {
      findings.push({
        at: group.at,
        message: `the key group holds ${group.keys} public keys; CloudFront takes at most ${MAX_KEYS}: remove the oldest key (once the longest session signed with it has expired) before adding another`,
      });
    }
  }

  for (const policy of model.corsPolicies) {
    if (policy.credentials && policy.origins.some((o) => o.includes('*'))) {
      findings.push({
        at: policy.at,
        message:
          'the response headers policy allows origin "*" with credentials, which browsers refuse for cookie-carrying requests: list the app origins exactly (INFRA_APP_ORIGINS)',
      });
    }
  }

  const originBuckets = new Set(model.distributions.flatMap((d) => d.originBuckets));
  for (const bucket of model.buckets.filter((b) => originBuckets.has(b.id))) {
    if (!bucket.blocksAllPublicAccess) {
      findings.push({
        at: bucket.at,
        message:
          'the media bucket does not block all public access: set blockPublicAccess to BLOCK_ALL; only the distribution may read it',
      });
    }
  }
  for (const policy of model.bucketPolicies.filter((p) => originBuckets.has(p.bucket))) {
    for (const statement of policy.statements) {
      const problem = unsafeRead(statement, policy.bucket, distributionIds);
      if (problem) findings.push({ at: policy.at, message: `the media bucket's policy ${problem}` });
    }
  }
  return findings;
}

/** Whether a CloudFront path pattern (`*`, `?`, optional leading `/`) matches some path under `prefix`. */
export function canMatchPrefix(pattern: string, prefix: string): boolean {
  const p = pattern.replace(/^\//, '');
  // The positions in the pattern reachable after reading `prefix`: a `*` may take any number of
  // characters, so once one is reached everything after the prefix can follow.
  let states = closure(new Set([0]), p);
  for (const ch of prefix) {
    const next = new Set<number>();
    for (const i of states) {
      if (p[i] === '*') next.add(i);
      else if (p[i] === '?' || p[i] === ch) next.add(i + 1);
    }
    states = closure(next, p);
  }
  return states.size > 0;
}

function closure(states: Set<number>, p: string): Set<number> {
  const out = new Set(states);
  for (const i of states) for (let j = i; p[j] === '*'; j++) out.add(j + 1);
  return out;
}

/** Why an Allow statement lets someone other than the distribution read objects, or null. */
function unsafeRead(statement: PolicyStatementJson, bucket: string, distributions: readonly string[]): string | null {
  if (statement.Effect !== 'Allow') return null;
  const actions = strings(statement.Action).map((a) => String(a).toLowerCase());
  if (!actions.some((a) => READS.has(a))) return null;
  const objects = strings(statement.Resource)
    .map(render)
    .filter((r) => r === '*' || r.startsWith(`\${${bucket}.Arn}/`))
    .map((r) => (r === '*' ? '*' : r.slice(`\${${bucket}.Arn}/`.length)));
  if (objects.length === 0) return null;
  const byDistribution =
    isCloudFrontService(statement.Principal) &&
    sourceArns(statement).some((arn) => distributions.some((d) => arn.endsWith(`:distribution/\${${d}}`)));
  if (!byDistribution) {
    return `lets ${render(statement.Principal)} read objects (${objects.join(', ')}): only the distribution may read the bucket, through origin access control with AWS:SourceArn set to it`;
  }
  const outside = objects.filter((o) => !SERVED.some((prefix) => o.startsWith(prefix)));
  if (outside.length > 0) {
    return `lets the distribution read ${outside.join(', ')}, beyond videos/* and downloads/*: uploads/ and work/ must never reach the CDN; grant s3:GetObject on videos/* and downloads/* only`;
  }
  return null;
}

function isCloudFrontService(principal: unknown): boolean {
  if (!principal || typeof principal !== 'object') return false;
  const keys = Object.keys(principal);
  return (
    keys.length === 1 &&
    keys[0] === 'Service' &&
    strings((principal as { Service: unknown }).Service).every((s) => s === 'cloudfront.amazonaws.com')
  );
}

function sourceArns(statement: PolicyStatementJson): string[] {
  return Object.entries(statement.Condition ?? {})
    .filter(([operator]) => /^(StringEquals|ArnEquals)$/.test(operator))
    .flatMap(([, entries]) => strings(entries['AWS:SourceArn']).map(render));
}

function strings(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** CloudFormation intrinsics as text: `{Ref: X}` → `${X}`, GetAtt → `${X.Attr}`, Join joined. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
    const join = v['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return (join[1] as unknown[]).map(render).join(String(join[0]));
  }
  return JSON.stringify(value);
}
