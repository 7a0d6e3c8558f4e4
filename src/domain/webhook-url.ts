import ipaddr from 'ipaddr.js';
import { DomainError } from './errors';

/**
 * A webhook URL as far as the URL alone shows: https in production, and no literal address that
 * is not public. Host names are checked again, after DNS, every time a delivery connects.
 * WHATWG URL parsing already turns `2130706433`, `0x7f.1` and `127.1` into `127.0.0.1`.
 */
export function checkWebhookUrl(raw: string, rules: { httpsOnly: boolean; allowPrivate: boolean }): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError('invalid_webhook_url', 'The webhook URL is not a URL.');
  }
  if (url.protocol !== 'https:' && (rules.httpsOnly || url.protocol !== 'http:')) {
    throw new DomainError(
      'invalid_webhook_url',
      rules.httpsOnly ? 'Webhook URLs must be https.' : 'Webhook URLs must be http or https.',
    );
  }
  if (url.username || url.password)
    throw new DomainError('invalid_webhook_url', 'Webhook URLs must not carry credentials.');
  if (raw.length > 2048)
    throw new DomainError('invalid_webhook_url', 'The webhook URL is longer than 2048 characters.');
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!rules.allowPrivate && (ipaddr.isValid(literal) ? !isPublicAddress(literal) : isLocalName(literal))) {
    throw new DomainError(
      'webhook_url_not_public',
      `The webhook URL points at ${url.hostname}, which is not a public address.`,
    );
  }
  url.hash = '';
  return url.toString();
}

/** Only global unicast: loopback, private, link-local (the metadata service), unique-local, multicast and the rest are refused, IPv4-mapped forms included. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === 'unicast';
}

function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal');
}
