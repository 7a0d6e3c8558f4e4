import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One public key of the key group, as CloudFront takes it. */
export interface GroupKey {
  readonly file: string;
  /** PEM (SubjectPublicKeyInfo), the form CloudFront's `EncodedKey` accepts. */
  readonly pem: string;
  /**
   * The first 16 hex digits of the SHA-256 of the key's DER: the construct id's suffix, so a key
   * keeps its resource whatever its position in the list, and a new key is a new resource
   * (CloudFront cannot change a public key in place).
   */
  readonly fingerprint: string;
}

/** Reads one PEM file; a problem is returned, not thrown, so every input is checked at once. */
export function readGroupKey(file: string): GroupKey | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return `${file}: cannot be read`;
  }
  if (/PRIVATE KEY/.test(text)) {
    return `${file}: holds a private key; give the public half (openssl pkey -in private.pem -pubout)`;
  }
  try {
    const key = createPublicKey(text);
    const details = key.asymmetricKeyDetails;
    const rsa2048 = key.asymmetricKeyType === 'rsa' && details?.modulusLength === 2048;
    const p256 = key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1';
    if (!rsa2048 && !p256) return `${file}: CloudFront accepts RSA-2048 or ECDSA P-256 public keys only`;
    // The api checks its private key against this (src/domain/key-fingerprint.ts; a test keeps the two equal).
    const der = key.export({ type: 'spki', format: 'der' });
    return {
      file,
      pem: key.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: createHash('sha256').update(der).digest('hex').slice(0, 16).toUpperCase(),
    };
  } catch {
    return `${file}: not a PEM public key`;
  }
}
