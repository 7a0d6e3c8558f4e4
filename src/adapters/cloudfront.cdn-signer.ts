import { Inject, Injectable } from '@nestjs/common';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { CdnSigner, type SignedPolicy } from '../ports/cdn-signer';

/**
 * `@aws-sdk/cloudfront-signer`, always given a full custom policy for cookies: with `url` +
 * `dateLessThan` it silently makes canned cookies that never verify (aws-sdk-js-v3#4516).
 */
@Injectable()
export class CloudfrontCdnSigner extends CdnSigner {
  readonly enabled: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'cloudfront'>) {
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
}
