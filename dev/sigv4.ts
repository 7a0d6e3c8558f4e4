import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifies an `Authorization: AWS4-HMAC-SHA256 …` header the way S3 does, for the few calls the
 * local emulator lacks and the verifying front answers itself. Spec:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as sent. */
  readonly rawUrl: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

export function verifySigV4Header(
  request: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
): boolean {
  const match = AUTH.exec(header(request, 'authorization'));
  if (!match) return false;
  const [, credential, signedHeaders, signature] = match as unknown as [string, string, string, string];
  const [accessKeyId, date, region, service, terminal] = credential.split('/');
  const secret = accessKeyId ? secretFor(accessKeyId) : undefined;
  const amzDate = header(request, 'x-amz-date');
  if (!secret || !date || !region || service !== 's3' || terminal !== 'aws4_request' || !amzDate.startsWith(date)) {
    return false;
  }
  const [path = '/', query = ''] = request.rawUrl.split(/\?(.*)/s);
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery(query),
    ...signedHeaders.split(';').map((name) => `${name}:${header(request, name).trim().replace(/\s+/g, ' ')}`),
    '',
    signedHeaders,
    header(request, 'x-amz-content-sha256') || 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

function header(request: SignedRequest, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function canonicalQuery(query: string): string {
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [k = '', v = ''] = pair.split(/=(.*)/s);
      return [encode(decode(k)), encode(decode(v))] as const;
    })
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, '%20'));
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
