/**
 * CloudFront's base64 (docs/cloudfront.md §2): standard base64 with padding, then `+`→`-`, `=`→`_`,
 * `/`→`~`. Not base64url, which maps `/` to `_` and drops padding.
 */
export function cfb64Encode(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
}

/** The bytes, or null when the text is not CloudFront base64. */
export function cfb64Decode(text: string): Buffer | null {
  if (!/^[A-Za-z0-9~_-]+$/.test(text) || text.length % 4 !== 0) return null;
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
}

/** A custom policy's signed values, as the cookies carry them (names fixed by CloudFront). */
export interface SignedPolicyValues {
  readonly 'CloudFront-Policy': string;
  readonly 'CloudFront-Signature': string;
  readonly 'CloudFront-Key-Pair-Id': string;
  readonly 'CloudFront-Hash-Algorithm'?: string;
}

/** The same values as a signed URL's query (CloudFront base64 needs no escaping, §3). */
export function signedQuery(signed: SignedPolicyValues): string {
  const hash = signed['CloudFront-Hash-Algorithm'];
  return [
    `Policy=${signed['CloudFront-Policy']}`,
    `Signature=${signed['CloudFront-Signature']}`,
    `Key-Pair-Id=${signed['CloudFront-Key-Pair-Id']}`,
    ...(hash ? [`Hash-Algorithm=${hash}`] : []),
  ].join('&');
}
