import { SignJWT } from 'jose';
import type { AppConfig } from '../config/config';
import { JoseTokenVerifier } from './jose.token-verifier';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';
const config = {
  auth: { secret: SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined },
} as unknown as AppConfig;

const sign = (claims: Record<string, unknown>, expiresAt: number) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('viewer')
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(SECRET));

describe('JoseTokenVerifier', () => {
  const start = Date.UTC(2026, 10, 25, 12, 0, 0);
  beforeEach(() => jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('trusts a token it has verified again, but never past its expiry', async () => {
    const verifier = new JoseTokenVerifier(config);
    const token = await sign({ roles: ['creator'] }, start / 1000 + 30);
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'viewer', roles: ['creator'], entitlements: [] });
    jest.setSystemTime(start + 29_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 'viewer' });
    jest.setSystemTime(start + 30_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringContaining('ERR_JWT_EXPIRED'),
    });
  });

  it('never trusts a tampered copy of a verified token', async () => {
    const verifier = new JoseTokenVerifier(config);
    const token = await sign({ entitlements: ['a'] }, start / 1000 + 300);
    await verifier.verify(token);
    const [header, , signature] = token.split('.');
    const widened = Buffer.from(
      JSON.stringify({ entitlements: ['*'], sub: 'viewer', exp: start / 1000 + 300 }),
    ).toString('base64url');
    await expect(verifier.verify(`${header}.${widened}.${signature}`)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
