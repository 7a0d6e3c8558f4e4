import { Inject, Injectable } from '@nestjs/common';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SignatureCache, verifyViewerRequest } from '../domain/cloudfront-verifier';
import { Clock } from '../ports/clock';
import { CdnSigner, type SignedPolicy, type UrlVerdict } from '../ports/cdn-signer';

/**
 * `@aws-sdk/cloudfront-signer`, always given a full custom policy for cookies: with `url` +
 * `dateLessThan` it silently makes canned cookies that never verify (aws-sdk-js-v3#4516).
 */
@Injectable()
export class CloudfrontCdnSigner extends CdnSigner {
  readonly enabled: boolean;
  private trusted: ReadonlyMap<string, KeyObject> | undefined;
  // A player's playlists under one policy cost one RSA verify.
  private readonly verified = new SignatureCache(1000);

  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'cloudfront'>,
    private readonly clock: Clock,
  ) {
    super();
    this.enabled = Boolean(config.cloudfront.keyPairId && config.cloudfront.privateKey);
  }

  private credentials() {
    const { keyPairId, privateKey, hashAlgorithm } = this.config.cloudfront;
    if (!keyPairId || !privateKey) throw new Error('CloudFront signing is not configured');
    return { keyPairId, privateKey, ...(hashAlgorithm === 'SHA256' ? { algorithm: 'SHA256' as const } : {}) };
  }

  signPolicy(policy: string): SignedPolicy {
    const cookies = getSignedCookies({ ...this.credentials(), policy });
    const signed: SignedPolicy = {
      'CloudFront-Policy': cookies['CloudFront-Policy']!,
      'CloudFront-Signature': cookies['CloudFront-Signature'],
      'CloudFront-Key-Pair-Id': cookies['CloudFront-Key-Pair-Id'],
    };
    const algorithm = (cookies as { 'CloudFront-Hash-Algorithm'?: string })['CloudFront-Hash-Algorithm'];
    return algorithm ? { ...signed, 'CloudFront-Hash-Algorithm': algorithm } : signed;
  }

  signUrl(url: string, expiresAt: Date): string {
    // A Date, never a number: the SDK reads numbers as milliseconds.
    return getSignedUrl({ ...this.credentials(), url, dateLessThan: expiresAt });
  }

  signUrlWithPolicy(url: string, policy: string): string {
    return getSignedUrl({ ...this.credentials(), url, policy });
  }

  verifyUrl(url: string, clientIp: string): UrlVerdict {
    const { keyPairId, privateKey } = this.credentials();
    // Only this api's own key: a URL signed by another key of the group is not one it issued.
    this.trusted ??= new Map([[keyPairId, createPublicKey(privateKey)]]);
    const verdict = verifyViewerRequest(
      { url, clientIp, now: Math.floor(this.clock.now().getTime() / 1000) },
      { trustedKeys: this.trusted, verifiedSignatures: this.verified },
    );
    return verdict.allow ? { allow: true } : { allow: false, code: verdict.code, message: verdict.message };
  }
}
