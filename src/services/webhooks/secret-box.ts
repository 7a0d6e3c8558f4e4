import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals webhook signing secrets with AES-256-GCM under a key from configuration, so the database
 * alone (a dump, a replica) reveals none: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function open(key: Buffer, sealed: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * Opens with the first key that fits (the current one, then older ones during a key change);
 * `key` is the index of that key, so a caller can tell a secret that needs resealing.
 */
export function openWithAny(keys: readonly Buffer[], sealed: string): { secret: string; key: number } {
  for (const [index, key] of keys.entries()) {
    try {
      return { secret: open(key, sealed), key: index };
    } catch {
      // Another key's: try the next.
    }
  }
  throw new Error('no configured key opens this sealed secret');
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
