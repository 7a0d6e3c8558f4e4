import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What S3 checks on a browser form upload (POST Object with a SigV4 policy), which no local
 * emulator enforces. Written from the S3 documentation:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export interface PostForm {
  /** Form fields before the file, in order; names as sent. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly fileSize: number;
}

export type PolicyVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 400 | 403; readonly code: string; readonly message: string };

type Condition = Record<string, unknown> | unknown[];

// Fields S3 does not require a condition for.
const EXEMPT = (name: string) => ['x-amz-signature', 'file', 'policy'].includes(name) || name.startsWith('x-ignore-');

const deny = (message: string, code = 'AccessDenied', status: 400 | 403 = 403): PolicyVerdict => ({
  ok: false,
  status,
  code,
  message,
});

export function verifyPostPolicy(
  form: PostForm,
  bucket: string,
  now: Date,
  secretFor: (accessKeyId: string) => string | undefined,
): PolicyVerdict {
  const fields = new Map<string, string>();
  for (const [name, value] of form.fields) fields.set(name.toLowerCase(), value);
  const policyB64 = fields.get('policy');
  const signature = fields.get('x-amz-signature');
  const credential = fields.get('x-amz-credential');
  if (!policyB64 || !signature || !credential || fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
    return deny(
      'Bucket POST must contain a SigV4 policy, credential, algorithm and signature.',
      'InvalidArgument',
      400,
    );
  }
  const [accessKeyId, date, region, service, terminal] = credential.split('/');
  const secret = accessKeyId ? secretFor(accessKeyId) : undefined;
  if (!secret || !date || !region || service !== 's3' || terminal !== 'aws4_request') {
    return deny('The AWS Access Key Id you provided does not exist in our records.', 'InvalidAccessKeyId');
  }
  const expected = signPolicy(policyB64, secret, date, region);
  if (!safeEqualHex(expected, signature)) {
    return deny(
      'The request signature we calculated does not match the signature you provided.',
      'SignatureDoesNotMatch',
    );
  }
  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyB64, 'base64').toString('utf8')) as typeof policy;
  } catch {
    return deny('Invalid Policy: Invalid JSON.', 'InvalidPolicyDocument', 400);
  }
  const expiration = typeof policy.expiration === 'string' ? Date.parse(policy.expiration) : NaN;
  if (Number.isNaN(expiration) || !Array.isArray(policy.conditions)) {
    return deny('Invalid Policy: expiration and conditions are required.', 'InvalidPolicyDocument', 400);
  }
  if (expiration <= now.getTime()) return deny('Invalid according to Policy: Policy expired.');

  const values = new Map(fields);
  values.set('bucket', bucket);
  const covered = new Set<string>();
  for (const condition of policy.conditions as Condition[]) {
    const failure = check(condition, values, form.fileSize, covered);
    if (failure) return failure;
  }
  const extra = [...fields.keys()].filter((name) => !EXEMPT(name) && !covered.has(name));
  if (extra.length > 0) return deny(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  return { ok: true };
}

function check(
  condition: Condition,
  values: Map<string, string>,
  fileSize: number,
  covered: Set<string>,
): PolicyVerdict | null {
  if (!Array.isArray(condition)) {
    const entries = Object.entries(condition);
    if (entries.length !== 1)
      return deny('Invalid Policy: a condition object holds one field.', 'InvalidPolicyDocument', 400);
    const [name, expected] = entries[0]!;
    return compare('eq', name.toLowerCase(), String(expected), values, covered);
  }
  const [op, a, b] = condition;
  if (op === 'content-length-range') {
    if (fileSize < Number(a) || fileSize > Number(b)) {
      return deny(
        fileSize > Number(b)
          ? 'Your proposed upload exceeds the maximum allowed size.'
          : 'Your proposed upload is smaller than the minimum allowed size.',
        fileSize > Number(b) ? 'EntityTooLarge' : 'EntityTooSmall',
        400,
      );
    }
    return null;
  }
  if ((op === 'eq' || op === 'starts-with') && typeof a === 'string' && a.startsWith('$')) {
    return compare(op, a.slice(1).toLowerCase(), String(b), values, covered);
  }
  return deny(`Invalid Policy: unknown condition ${JSON.stringify(condition)}.`, 'InvalidPolicyDocument', 400);
}

function compare(
  op: 'eq' | 'starts-with',
  name: string,
  expected: string,
  values: Map<string, string>,
  covered: Set<string>,
): PolicyVerdict | null {
  covered.add(name);
  const actual = values.get(name) ?? '';
  const ok = op === 'eq' ? actual === expected : actual.startsWith(expected);
  return ok ? null : deny(`Invalid according to Policy: Policy Condition failed: ["${op}", "$${name}", "${expected}"]`);
}

/** SigV4 over the base64 policy: HMAC chain date → region → s3 → aws4_request, then the policy. */
export function signPolicy(policyB64: string, secret: string, date: string, region: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
  return createHmac('sha256', signingKey).update(policyB64).digest('hex');
}

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
