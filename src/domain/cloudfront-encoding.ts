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
