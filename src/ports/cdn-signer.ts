import type { SignedPolicyValues } from '../domain/cloudfront-encoding';

/** The values of CloudFront's signed cookies (names fixed by CloudFront, no suffixes). */
export type SignedPolicy = SignedPolicyValues;

/** CloudFront signing: policy in, cookie and URL values out. Cookie attributes are the http layer's. */
export abstract class CdnSigner {
  /** Whether a key is configured; without one, playback answers 503. */
  abstract readonly enabled: boolean;
  /** Signs a custom policy verbatim (never a canned one: canned cookies never verify for HLS). */
  abstract signPolicy(policy: string): SignedPolicy;
  /** A canned-policy signed URL for one file (a poster, a download). */
  abstract signUrl(url: string, expiresAt: Date): string;
  /** A signed URL under a custom policy (filePolicy: one file, with a premiere's start). */
  abstract signUrlWithPolicy(url: string, policy: string): string;
  /**
   * Whether CloudFront would let a viewer at `clientIp` fetch `url` (a CDN URL with its signed
   * query) now, under this signer's own key: for what the api serves in CloudFront's stead.
   */
  abstract verifyUrl(url: string, clientIp: string): UrlVerdict;
}

export type UrlVerdict =
  { readonly allow: true } | { readonly allow: false; readonly code: string; readonly message: string };
