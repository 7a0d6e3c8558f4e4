import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * A CloudFront signing key's name in Velvet: the first 16 hex digits of the SHA-256 of its
 * public half's DER (SubjectPublicKeyInfo). infra/ names each public key of the key group by it,
 * and the api checks its private key against it, so one function serves both.
 */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16).toUpperCase();
}
