import { randomBytes } from 'node:crypto';
import { newWebhookSecret, open, seal } from './secret-box';

describe('the secret box', () => {
  const key = randomBytes(32);

  it('seals so the stored text reveals nothing, and opens only with the key', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const sealed = seal(key, secret);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(seal(key, secret)).not.toBe(sealed);
    expect(open(key, sealed)).toBe(secret);
    expect(() => open(randomBytes(32), sealed)).toThrow();
    const [v, iv, tag, data] = sealed.split('.');
    expect(() => open(key, [v, iv, tag, `${data}A`].join('.'))).toThrow();
  });
});
