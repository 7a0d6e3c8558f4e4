import { isAbsolute, join } from 'node:path';
import { readGroupKey, type GroupKey } from './public-keys.ts';
import { readServiceInputs, SERVICE_INPUT_NAMES, type ServiceInputs } from './service/service-inputs.ts';

/** Everything the stack is built from, checked. */
export interface InfraInputs {
  /**
   * The CloudFormation stack's name; every named resource (key group, public keys, OAC, policies,
   * functions) derives its name from it, so a staging stack lives beside production in one account.
   */
  readonly stackName: string;
  readonly publicKeys: readonly GroupKey[];
  /** Exact origins (`https://app.example.com`) allowed by CORS on the CDN and the bucket. */
  readonly appOrigins: readonly string[];
  /** The CDN's own host name and its us-east-1 ACM certificate; absent: `*.cloudfront.net`. */
  readonly domain: { readonly name: string; readonly certificateArn: string } | null;
  /** Velvet's PLAYBACK_BIND_IP: cookies bound to the viewer's IPv4 address, so no IPv6. */
  readonly ipBinding: boolean;
  readonly geo: { readonly kind: 'allow' | 'deny'; readonly countries: readonly string[] } | null;
  readonly priceClass: 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
  /** An existing bucket for CloudFront's access logs; absent: the stack makes one. */
  readonly logBucket: string | null;
  /**
   * The distribution's WAF: an existing CLOUDFRONT-scope web ACL, or one the stack makes (which
   * CloudFront takes only from us-east-1) with this many requests per client address in 5 minutes.
   */
  readonly waf: { readonly webAclArn: string } | { readonly ratePer5Minutes: number };
}

export interface ReadInputs {
  readonly inputs: InfraInputs;
  readonly service: ServiceInputs;
  readonly warnings: readonly string[];
}

export class InfraInputError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Cannot build Velvet's stacks:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InfraInputError';
    this.problems = problems;
  }
}

/** Every input's name: an environment variable, or CDK context (`-c NAME=value`) of the same name. */
export const INPUT_NAMES = [
  'INFRA_STACK_NAME',
  'INFRA_PUBLIC_KEYS',
  'INFRA_APP_ORIGINS',
  'INFRA_DOMAIN_NAME',
  'INFRA_CERTIFICATE_ARN',
  'INFRA_IP_BINDING',
  'INFRA_GEO_ALLOW',
  'INFRA_GEO_DENY',
  'INFRA_PRICE_CLASS',
  'INFRA_LOG_BUCKET',
  'INFRA_WEB_ACL_ARN',
  'INFRA_WAF_RATE_LIMIT',
  ...SERVICE_INPUT_NAMES,
] as const;

type InputName = (typeof INPUT_NAMES)[number];

// A key group holds at most 5 public keys; a sixth fails only at deploy (docs/aws.md, "Facts and traps").
const MAX_KEYS = 5;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PRICE_CLASSES = { '100': 'PriceClass_100', '200': 'PriceClass_200', all: 'PriceClass_All' } as const;

/**
 * Reads the inputs from the environment, falling back to CDK context, and reports every problem
 * in one error: an operator fixes them all in one go.
 */
export function readInputs(
  env: Record<string, string | undefined>,
  context: (name: string) => unknown = () => undefined,
): ReadInputs {
  const value = (name: InputName): string | undefined => {
    const raw = env[name] ?? context(name);
    const text = raw === undefined || raw === null ? '' : String(raw).trim();
    return text === '' ? undefined : text;
  };
  const list = (name: InputName) =>
    value(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const problems: string[] = [];
  const warnings: string[] = [];

  // npm runs the package's scripts in infra/, and names the directory it was started from in
  // INIT_CWD: a relative path means what it meant where the operator typed it.
  const base = env.INIT_CWD ?? process.cwd();
  const resolvePath = (file: string) => (isAbsolute(file) ? file : join(base, file));
  const publicKeys = readKeys(list('INFRA_PUBLIC_KEYS').map(resolvePath), problems);
  const appOrigins = readOrigins(list('INFRA_APP_ORIGINS'), problems);
  const domain = readDomain(value('INFRA_DOMAIN_NAME'), value('INFRA_CERTIFICATE_ARN'), problems);
  if (!domain && !problems.some((p) => p.startsWith('INFRA_DOMAIN_NAME') || p.startsWith('INFRA_CERTIFICATE_ARN'))) {
    warnings.push(
      'INFRA_DOMAIN_NAME is not set: the CDN keeps its *.cloudfront.net name, a public suffix no cookie can be set for, ' +
        'so the signed cookies reach it only if the api answers on that same host (or players use signed URLs). Set INFRA_DOMAIN_NAME and INFRA_CERTIFICATE_ARN to serve it as e.g. cdn.example.com.',
    );
  }
  const ipBinding = readBoolean('INFRA_IP_BINDING', value('INFRA_IP_BINDING'), problems);
  const geo = readGeo(list('INFRA_GEO_ALLOW'), list('INFRA_GEO_DENY'), problems);
  const priceClass = readPriceClass(value('INFRA_PRICE_CLASS'), problems);
  const logBucket = value('INFRA_LOG_BUCKET') ?? null;
  if (logBucket && !BUCKET.test(logBucket)) problems.push(`INFRA_LOG_BUCKET: "${logBucket}" is not an S3 bucket name`);
  const stackName = readStackName(value('INFRA_STACK_NAME'), problems);
  const waf = readWaf(value('INFRA_WEB_ACL_ARN'), value('INFRA_WAF_RATE_LIMIT'), problems);
  const service = readServiceInputs((name) => value(name as InputName), stackName, problems, resolvePath);

  if (problems.length > 0) throw new InfraInputError(problems);
  return {
    inputs: { stackName, publicKeys, appOrigins, domain, ipBinding, geo, priceClass, logBucket, waf },
    service,
    warnings,
  };
}

/** The default, and what `npm run infra:env` looks for when INFRA_STACK_NAME is not set. */
export const DEFAULT_STACK_NAME = 'VelvetMedia';

/** A CloudFormation stack name, short enough that the CloudFront names derived from it fit. */
export function readStackName(text: string | undefined, problems: string[]): string {
  const name = text ?? DEFAULT_STACK_NAME;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(name)) {
    problems.push(
      `INFRA_STACK_NAME: "${name.slice(0, 60)}" is not a stack name (a letter, then up to 39 letters, digits or -)`,
    );
  }
  return name;
}

function readKeys(files: string[], problems: string[]): GroupKey[] {
  if (files.length === 0) {
    problems.push(
      'INFRA_PUBLIC_KEYS: required, 1 to 5 PEM public key files, comma separated (the key group Velvet signs for)',
    );
    return [];
  }
  if (files.length > MAX_KEYS) {
    problems.push(
      `INFRA_PUBLIC_KEYS: ${files.length} keys, but a CloudFront key group holds at most ${MAX_KEYS}: remove the oldest once no session signed with it is alive`,
    );
  }
  const keys: GroupKey[] = [];
  for (const file of files) {
    const key = readGroupKey(file);
    if (typeof key === 'string') problems.push(`INFRA_PUBLIC_KEYS: ${key}`);
    else if (keys.some((k) => k.fingerprint === key.fingerprint))
      problems.push(
        `INFRA_PUBLIC_KEYS: ${file} is the same key as ${keys.find((k) => k.fingerprint === key.fingerprint)!.file}`,
      );
    else keys.push(key);
  }
  return keys;
}

function readOrigins(origins: string[], problems: string[]): string[] {
  if (origins.length === 0) {
    problems.push(
      'INFRA_APP_ORIGINS: required, the exact origins of the app pages that play and upload (https://app.example.com), comma separated',
    );
  }
  for (const origin of origins) {
    if (origin === '*' || origin.includes('*')) {
      problems.push(
        `INFRA_APP_ORIGINS: "${origin}": browsers refuse a wildcard origin on credentialed requests; list each app origin exactly`,
      );
      continue;
    }
    const parsed = URL.canParse(origin) ? new URL(origin) : null;
    if (!parsed || parsed.origin !== origin || (parsed.protocol !== 'https:' && !isLoopback(parsed.hostname))) {
      problems.push(
        `INFRA_APP_ORIGINS: "${origin}" is not an exact https origin (scheme and host, an optional port, no path or trailing slash)`,
      );
    }
  }
  return origins;
}

function readDomain(
  name: string | undefined,
  certificateArn: string | undefined,
  problems: string[],
): InfraInputs['domain'] {
  if (!name && !certificateArn) return null;
  if (!name)
    problems.push('INFRA_DOMAIN_NAME: required with INFRA_CERTIFICATE_ARN (the CDN host the certificate is for)');
  else if (!HOST.test(name)) problems.push(`INFRA_DOMAIN_NAME: "${name}" is not a host name (e.g. cdn.example.com)`);
  else if (name.endsWith('.cloudfront.net'))
    problems.push('INFRA_DOMAIN_NAME: leave it unset to keep the *.cloudfront.net name');
  if (!certificateArn)
    problems.push(
      'INFRA_CERTIFICATE_ARN: required with INFRA_DOMAIN_NAME (an ACM certificate in us-east-1 covering it)',
    );
  else {
    const arn = CERTIFICATE_ARN.exec(certificateArn);
    if (!arn) problems.push(`INFRA_CERTIFICATE_ARN: "${certificateArn}" is not an ACM certificate ARN`);
    else if (arn[1] !== 'us-east-1')
      problems.push(
        `INFRA_CERTIFICATE_ARN: the certificate is in ${arn[1]}; CloudFront takes certificates from us-east-1 only`,
      );
  }
  return name && certificateArn ? { name, certificateArn } : null;
}

function readBoolean(name: InputName, text: string | undefined, problems: string[]): boolean {
  if (text === undefined) return false;
  if (/^(true|1)$/i.test(text)) return true;
  if (/^(false|0)$/i.test(text)) return false;
  problems.push(`${name}: must be true or false`);
  return false;
}

function readGeo(allow: string[], deny: string[], problems: string[]): InfraInputs['geo'] {
  if (allow.length > 0 && deny.length > 0) {
    problems.push(
      'INFRA_GEO_ALLOW and INFRA_GEO_DENY: set one of them, not both (CloudFront takes an allow list or a deny list)',
    );
    return null;
  }
  const countries = allow.length > 0 ? allow : deny;
  const name = allow.length > 0 ? 'INFRA_GEO_ALLOW' : 'INFRA_GEO_DENY';
  const bad = countries.filter((c) => !/^[A-Z]{2}$/.test(c));
  if (bad.length > 0) problems.push(`${name}: ${bad.join(', ')}: use ISO 3166-1 alpha-2 country codes (US, DE, …)`);
  if (countries.length === 0) return null;
  return { kind: allow.length > 0 ? 'allow' : 'deny', countries };
}

function readPriceClass(text: string | undefined, problems: string[]): InfraInputs['priceClass'] {
  if (text === undefined) return 'PriceClass_All';
  const key = text.replace(/^PriceClass_/i, '').toLowerCase() as keyof typeof PRICE_CLASSES;
  if (key in PRICE_CLASSES) return PRICE_CLASSES[key];
  problems.push(`INFRA_PRICE_CLASS: "${text}" is not PriceClass_100, PriceClass_200 or PriceClass_All`);
  return 'PriceClass_All';
}

function readWaf(webAclArn: string | undefined, rate: string | undefined, problems: string[]): InfraInputs['waf'] {
  if (webAclArn) {
    if (!/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]+\/[0-9a-f-]{36}$/.test(webAclArn))
      problems.push(
        `INFRA_WEB_ACL_ARN: "${webAclArn.slice(0, 160)}" is not a CLOUDFRONT-scope web ACL ARN (arn:aws:wafv2:us-east-1:…:global/webacl/…)`,
      );
    if (rate) problems.push('INFRA_WAF_RATE_LIMIT: only for the web ACL the stack makes, not with INFRA_WEB_ACL_ARN');
    return { webAclArn };
  }
  // A player fetches a segment every few seconds (about 100 requests in 5 minutes per stream);
  // the default leaves room for a household or an office behind one address.
  const ratePer5Minutes = rate === undefined ? 3000 : Number(rate);
  if (!Number.isInteger(ratePer5Minutes) || ratePer5Minutes < 100 || ratePer5Minutes > 2_000_000_000)
    problems.push(`INFRA_WAF_RATE_LIMIT: "${rate}" must be a whole number of requests per 5 minutes, at least 100`);
  return { ratePer5Minutes };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
