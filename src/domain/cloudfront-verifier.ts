import { createVerify, type KeyObject } from 'node:crypto';
import { matchesResource } from './cloudfront-wildcard';
import { cfb64Decode } from './cloudfront-encoding';
import { ExpiringCache } from './expiring-cache';
import { unmapIpv4 } from './ip';

/**
 * Decides a viewer request exactly as CloudFront does for a behavior with trusted key groups
 * (docs/cloudfront.md §16, the reference algorithm; §7–§10 for the rules). Pure but
 * for signature verification; the clock and the viewer IP are inputs.
 */
export interface VerifierConfig {
  /** Key id → public key (PEM or KeyObject): the key groups trusted by the behavior. */
  readonly trustedKeys: ReadonlyMap<string, string | KeyObject>;
  /** Refuse canned Expires beyond 2^31-1 (catches milliseconds given as seconds); default true. */
  readonly rejectLargeExpires?: boolean;
  /**
   * Signatures already verified, so a player's hundreds of segment requests under one policy cost
   * one RSA verify. Keyed by key id, algorithm, policy bytes and signature; only successes are kept.
   */
  readonly verifiedSignatures?: SignatureCache;
  /** Told about accepted requests that deserve a look (a policy without Resource opens anything). */
  readonly warn?: (message: string) => void;
}

/**
 * Verified (key, algorithm, policy, signature) tuples, each kept until its policy's
 * DateLessThan: past that the policy denies anyway. Bounded, oldest out first.
 */
export class SignatureCache {
  private readonly entries: ExpiringCache<string, true>;

  constructor(limit = 10_000) {
    this.entries = new ExpiringCache(limit);
  }

  has(key: string, nowEpoch: number): boolean {
    return this.entries.get(key, nowEpoch * 1000) === true;
  }

  add(key: string, untilEpoch: number): void {
    this.entries.set(key, true, untilEpoch * 1000);
  }
}

export interface ViewerRequest {
  /** What the viewer asked for, on the wire: `scheme://host/raw-path[?raw-query]`. */
  readonly url: string;
  readonly cookieHeader?: string;
  readonly clientIp: string;
  /** Epoch seconds. */
  readonly now: number;
}

export type ErrorCode = 'MissingKey' | 'InvalidKey' | 'MalformedSignature' | 'MalformedPolicy' | 'AccessDenied';

export type Verdict =
  | { readonly allow: true; readonly upstreamQuery: string }
  | { readonly allow: false; readonly code: ErrorCode; readonly message: string };

const MESSAGES: Record<ErrorCode, string> = {
  MissingKey: 'Missing Key-Pair-Id query parameter or cookie value',
  InvalidKey: 'Unknown Key',
  MalformedSignature: 'Could not unencode Signature',
  MalformedPolicy: 'Malformed Policy',
  AccessDenied: 'Access denied',
};

const URL_PARAMS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id'] as const;
// Declared choices (§3, §7.3, unverified): Hash-Algorithm is removed before the origin like the
// others, but a lone Hash-Algorithm does not switch a request to URL mode.
const CF_PARAMS = new Set<string>([...URL_PARAMS, 'Hash-Algorithm']);

const deny = (code: ErrorCode): Verdict => ({ allow: false, code, message: MESSAGES[code] });

interface Credentials {
  keyId?: string;
  signature?: string;
  policy?: string;
  expires?: string;
  hashAlgorithm?: string;
}

export function verifyViewerRequest(request: ViewerRequest, config: VerifierConfig): Verdict {
  const queryAt = request.url.indexOf('?');
  const base = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const pairs =
    queryAt < 0
      ? []
      : request.url
          .slice(queryAt + 1)
          .split('&')
          .filter((p) => p !== '');
  const userParams = pairs.filter((p) => !CF_PARAMS.has(nameOf(p)));
  const resourceUrl = lowerHost(base) + (userParams.length ? `?${userParams.join('&')}` : '');
  const urlMode = pairs.some((p) => (URL_PARAMS as readonly string[]).includes(nameOf(p)));
  const creds = urlMode ? fromQuery(pairs) : fromCookies(request.cookieHeader ?? '');

  if (!creds.keyId) return deny('MissingKey');
  const key = config.trustedKeys.get(creds.keyId);
  if (!key) return deny('InvalidKey');
  const algorithm = creds.hashAlgorithm ?? 'SHA1';
  // Declared choice (§16, unverified): any other Hash-Algorithm (MD5…) is AccessDenied.
  if (algorithm !== 'SHA1' && algorithm !== 'SHA256') return deny('AccessDenied');
  const signature = creds.signature ? cfb64Decode(creds.signature) : null;
  if (!signature || signature.length === 0) return deny('MalformedSignature');

  let signed: Buffer;
  let policy: ParsedPolicy | null;
  // Declared choice (§7.4, unverified): with both Policy and Expires, Policy wins (custom).
  if (creds.policy !== undefined) {
    const bytes = cfb64Decode(creds.policy);
    policy = bytes ? parsePolicy(bytes) : null;
    if (!bytes || !policy) return deny('MalformedPolicy');
    signed = bytes;
  } else if (creds.expires !== undefined && /^[0-9]+$/.test(creds.expires)) {
    const expires = Number(creds.expires);
    // Declared choice (§3, unverified): milliseconds sent as seconds are malformed, not far future.
    if ((config.rejectLargeExpires ?? true) && expires > 2147483647) return deny('MalformedPolicy');
    signed = Buffer.from(cannedPolicy(resourceUrl, creds.expires));
    policy = {
      resource: resourceUrl,
      dateLessThan: expires,
      dateGreaterThan: undefined,
      ipAddress: undefined,
      canned: true,
    };
  } else {
    // Declared choice (§16, unverified): neither a policy nor a numeric Expires is malformed.
    return deny('MalformedPolicy');
  }

  const cacheKey = `${creds.keyId}|${algorithm}|${creds.signature}|${signed.toString('base64')}`;
  if (!config.verifiedSignatures?.has(cacheKey, request.now)) {
    if (!verifySignature(algorithm, key, signed, signature)) return deny('AccessDenied');
    config.verifiedSignatures?.add(cacheKey, policy.dateLessThan);
  }
  if (!policy.canned && policy.resource === undefined)
    config.warn?.(`a custom policy without Resource (key ${creds.keyId}) opens every URL`);
  if (!policy.canned && !matchesResource(policy.resource ?? '*', resourceUrl)) return deny('AccessDenied');
  if (!(request.now < policy.dateLessThan)) return deny('AccessDenied');
  if (policy.dateGreaterThan !== undefined && !(request.now > policy.dateGreaterThan)) return deny('AccessDenied');
  if (policy.ipAddress !== undefined && !ipv4InCidr(request.clientIp, policy.ipAddress)) return deny('AccessDenied');
  return { allow: true, upstreamQuery: userParams.join('&') };
}

/**
 * RSASSA-PKCS1-v1_5 or ECDSA, whichever the trusted key is. ECDSA signatures must be DER:
 * a raw r‖s signature is refused (§17.12, a declared choice; CloudFront's is unverified).
 */
function verifySignature(
  algorithm: 'SHA1' | 'SHA256',
  key: string | KeyObject,
  signed: Buffer,
  signature: Buffer,
): boolean {
  try {
    return createVerify(algorithm === 'SHA256' ? 'RSA-SHA256' : 'RSA-SHA1')
      .update(signed)
      .verify(key, signature);
  } catch {
    return false;
  }
}

/** The canned policy CloudFront rebuilds byte for byte (§5): key order and compact form matter. */
export function cannedPolicy(resource: string, expires: string | number): string {
  return `{"Statement":[{"Resource":${JSON.stringify(resource)},"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

interface ParsedPolicy {
  readonly resource: string | undefined;
  readonly dateLessThan: number;
  readonly dateGreaterThan: number | undefined;
  readonly ipAddress: string | undefined;
  readonly canned: boolean;
}

/** §5 grammar: one statement, DateLessThan required, unquoted integer epochs, one IPv4 CIDR. */
function parsePolicy(bytes: Buffer): ParsedPolicy | null {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const statements = (json as { Statement?: unknown } | null)?.Statement;
  // Declared choice (§5, unverified): Statement as an object instead of an array is malformed.
  if (!Array.isArray(statements) || statements.length !== 1) return null;
  const statement = statements[0] as Record<string, unknown>;
  if (!isObject(statement) || Object.keys(statement).some((k) => k !== 'Resource' && k !== 'Condition')) return null;
  const resource = statement.Resource;
  const condition = statement.Condition;
  if ((resource !== undefined && typeof resource !== 'string') || !isObject(condition)) return null;
  if (Object.keys(condition).some((k) => !['DateLessThan', 'DateGreaterThan', 'IpAddress'].includes(k))) return null;
  const epoch = (c: unknown) =>
    isObject(c) && Number.isInteger(c['AWS:EpochTime']) ? (c['AWS:EpochTime'] as number) : null;
  const dateLessThan = epoch(condition.DateLessThan);
  if (dateLessThan === null) return null;
  const dateGreaterThan = condition.DateGreaterThan === undefined ? undefined : epoch(condition.DateGreaterThan);
  if (dateGreaterThan === null) return null;
  let ipAddress: string | undefined;
  if (condition.IpAddress !== undefined) {
    const ip = isObject(condition.IpAddress) ? condition.IpAddress['AWS:SourceIp'] : undefined;
    // Declared choice (docs/cloudfront.md §9, unverified): a bare address without its mask is malformed.
    if (typeof ip !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(ip)) return null;
    ipAddress = ip;
  }
  return { resource, dateLessThan, dateGreaterThan, ipAddress, canned: false };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(pair: string): string {
  const at = pair.indexOf('=');
  return at < 0 ? pair : pair.slice(0, at);
}

function valueOf(pair: string): string {
  const at = pair.indexOf('=');
  const raw = at < 0 ? '' : pair.slice(at + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** First occurrence of each CloudFront parameter wins (§17.4, a declared choice). */
function fromQuery(pairs: readonly string[]): Credentials {
  const first = (name: string) => {
    const pair = pairs.find((p) => nameOf(p) === name);
    return pair === undefined ? undefined : valueOf(pair);
  };
  return {
    keyId: first('Key-Pair-Id'),
    signature: first('Signature'),
    policy: first('Policy'),
    expires: first('Expires'),
    hashAlgorithm: first('Hash-Algorithm'),
  };
}

/** Exact cookie names only (a suffixed `CloudFront-Policy-K…` is not one); first occurrence wins. */
function fromCookies(header: string): Credentials {
  const cookies = new Map<string, string>();
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return {
    keyId: cookies.get('CloudFront-Key-Pair-Id'),
    signature: cookies.get('CloudFront-Signature'),
    policy: cookies.get('CloudFront-Policy'),
    expires: cookies.get('CloudFront-Expires'),
    hashAlgorithm: cookies.get('CloudFront-Hash-Algorithm'),
  };
}

/** Scheme and path stay as sent; the host is compared lowercased, as browsers send it. */
function lowerHost(base: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(base);
  return match ? `${match[1]}${match[2]!.toLowerCase()}${match[3]}` : base;
}

/** IPv4-mapped IPv6 addresses are IPv4; other IPv6 viewers never match (CloudFront cannot). */
export function ipv4InCidr(ip: string, cidr: string): boolean {
  const v4 = unmapIpv4(ip);
  const toInt = (a: string) => {
    const parts = a.split('.').map(Number);
    return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)
      ? parts.reduce((n, p) => n * 256 + p, 0)
      : null;
  };
  const [network, bits] = cidr.split('/');
  const address = toInt(v4);
  const base = toInt(network ?? '');
  const prefix = Number(bits);
  if (address === null || base === null || !(prefix >= 0 && prefix <= 32)) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) === Math.floor(base / size);
}
