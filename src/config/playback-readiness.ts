import { isLoopbackHost } from '../domain/ip';

/**
 * Whether playback can work as configured, checked at the api's boot in production: a CDN that
 * browsers will not send the cookies to fails every viewer silently, so the api refuses to start.
 */

export interface PlaybackSettings {
  readonly cdnBaseUrl: string | undefined;
  readonly keyPairId: string | undefined;
  readonly hasPrivateKey: boolean;
  readonly cookieDomain: string | undefined;
}

/** The problems that stop a production api, one line each with the fix. */
export function playbackProblems(settings: PlaybackSettings): string[] {
  const problems: string[] = [];
  const cdn = settings.cdnBaseUrl ? new URL(settings.cdnBaseUrl) : null;
  if (!cdn) {
    problems.push('CDN_BASE_URL: required in production (players fetch every playlist and segment from the CDN)');
  } else if (cdn.protocol !== 'https:' && !isLoopbackHost(cdn.hostname)) {
    problems.push(
      `CDN_BASE_URL: must be https in production (${cdn.origin} given): the signed policy's Resource and the Secure cookies need it`,
    );
  }
  if (cdn && settings.cookieDomain && !cookieReaches(settings.cookieDomain, cdn.hostname)) {
    problems.push(
      `COOKIE_DOMAIN: the CDN host ${cdn.hostname} is neither ${normalize(settings.cookieDomain)} nor under it, so browsers would never send the cookies to the CDN: ` +
        'set COOKIE_DOMAIN to the CDN host or a parent domain of both the api and the CDN',
    );
  }
  if (!settings.keyPairId)
    problems.push(
      "CLOUDFRONT_KEY_PAIR_ID: required in production (the id of the public key in the distribution's key group)",
    );
  if (!settings.hasPrivateKey)
    problems.push(
      'CLOUDFRONT_PRIVATE_KEY: required in production (or CLOUDFRONT_PRIVATE_KEY_FILE): the key Velvet signs cookies with',
    );
  return problems;
}

/** What a production api starts with but should not run with for long. */
export function playbackWarnings(cdnBaseUrl: string | undefined, cookieDomain: string | undefined): string[] {
  if (cookieDomain || !cdnBaseUrl) return [];
  const host = new URL(cdnBaseUrl).hostname;
  return [
    `COOKIE_DOMAIN is not set: the signed cookies are host-only, so the CDN (${host}) must be served on the api's own host, or browsers never send them to it`,
  ];
}

/** IPv6 viewers never match a policy's IpAddress condition (it holds IPv4 only). */
export function ipBindingWarning(cdnHost: string, ipv6Addresses: readonly string[]): string | null {
  if (ipv6Addresses.length === 0) return null;
  return `PLAYBACK_BIND_IP is on but ${cdnHost} has AAAA records (${ipv6Addresses.join(', ')}): viewers reaching the CDN over IPv6 are refused; turn IPv6 off on the distribution (INFRA_IP_BINDING=true does) or PLAYBACK_BIND_IP off`;
}

/** RFC 6265 §5.1.3 domain-match: the host is the domain or ends with "." + the domain. */
export function cookieReaches(cookieDomain: string, host: string): boolean {
  const domain = normalize(cookieDomain);
  const h = host.toLowerCase();
  return h === domain || h.endsWith(`.${domain}`);
}

function normalize(domain: string): string {
  return domain.replace(/^\./, '').toLowerCase();
}
