import { SignJWT } from 'jose';
import type { AppConfig } from '../config/config';
import { JoseTokenVerifier } from './jose.token-verifier';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';
const auth = {
  secret: SECRET,
  jwksUrl: undefined,
  issuer: undefined,
  audience: undefined,
  rolesClaim: 'roles',
  entitlementsClaim: 'entitlements',
  allAccess: false,
};
const config = { auth } as unknown as AppConfig;

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

  it('reads roles and entitlements only from the configured claims; "*" only where all access is on', async () => {
    const claims = { roles: ['admin'], 'cognito:groups': ['creator'], entitlements: ['*', 'vid_a'], grants: ['vid_b'] };
    const token = await sign(claims, start / 1000 + 300);
    await expect(new JoseTokenVerifier(config).verify(token)).resolves.toEqual({
      userId: 'viewer',
      roles: ['admin'],
      entitlements: ['vid_a'],
    });
    const cognito = {
      auth: { ...auth, rolesClaim: 'cognito:groups', entitlementsClaim: 'grants' },
    } as unknown as AppConfig;
    await expect(new JoseTokenVerifier(cognito).verify(token)).resolves.toEqual({
      userId: 'viewer',
      roles: ['creator'],
      entitlements: ['vid_b'],
    });
    const subscriptions = { auth: { ...auth, allAccess: true } } as unknown as AppConfig;
    await expect(new JoseTokenVerifier(subscriptions).verify(token)).resolves.toMatchObject({
      entitlements: ['*', 'vid_a'],
    });
  });
});
