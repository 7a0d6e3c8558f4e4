import { webcrypto } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainError } from '../domain/errors';
import { ExpiringCache } from '../domain/expiring-cache';
import type { Actor } from '../domain/video';
import { TokenVerifier } from '../ports/token-verifier';

// Asymmetric algorithms accepted from a JWKS (Cognito signs RS256); `none` and HMAC never are,
// so a public key can never be used as an HMAC secret.
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
const SUBJECT = /^[A-Za-z0-9@._:|+-]{1,255}$/;
const ROLE = /^[a-z][a-z0-9_-]{0,63}$/;
// A verified token is trusted again, as the same string, until it expires but for at most this
// long, so a JWKS key withdrawn by the issuer stops being honoured soon after.
const REVERIFY_AFTER_MS = 60_000;

@Injectable()
export class JoseTokenVerifier extends TokenVerifier {
  /** Imported once: given raw bytes, jose imports a WebCrypto key on every verification. */
  private readonly secret: Promise<webcrypto.CryptoKey> | undefined;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly options: { issuer?: string; audience?: string };
  private readonly claims: AppConfig['auth'];
  // WebCrypto verification is the costliest step of a playback session; players repeat tokens.
  private readonly verified = new ExpiringCache<string, Actor>(10_000);

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    const { secret, jwksUrl, issuer, audience } = config.auth;
    this.secret = secret
      ? webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
          'verify',
        ])
      : undefined;
    this.jwks = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : undefined;
    this.options = { issuer, audience };
    this.claims = config.auth;
  }

  async verify(token: string): Promise<Actor> {
    const now = Date.now();
    const known = this.verified.get(token, now);
    if (known) return known;
    const { actor, expiresAtMs } = await this.verifyAfresh(token);
    this.verified.set(token, actor, Math.min(expiresAtMs, now + REVERIFY_AFTER_MS));
    return actor;
  }

  private async verifyAfresh(token: string): Promise<{ actor: Actor; expiresAtMs: number }> {
    let payload: JWTPayload;
    try {
      const { alg } = decodeProtectedHeader(token);
      const common = { ...this.options, requiredClaims: ['sub', 'exp'] };
      if (alg === 'HS256' && this.secret) {
        ({ payload } = await jwtVerify(token, await this.secret, { ...common, algorithms: ['HS256'] }));
      } else if (this.jwks && alg && JWKS_ALGORITHMS.includes(alg)) {
        ({ payload } = await jwtVerify(token, this.jwks, { ...common, algorithms: JWKS_ALGORITHMS }));
      } else {
        throw new Error(`algorithm ${String(alg)} is not accepted`);
      }
    } catch (error) {
      throw new DomainError('unauthorized', `The bearer token is invalid: ${reason(error)}.`);
    }
    // `exp` is required above, so it is a number here.
    return { actor: toActor(payload, this.claims), expiresAtMs: payload.exp! * 1000 };
  }
}

/**
 * Only the configured claims are read (JWT_ROLES_CLAIM, JWT_ENTITLEMENTS_CLAIM): an identity
 * provider shared with other applications may put anything in a token's other claims. "*" (every
 * paid video) only counts where the deployment switched it on (JWT_ALL_ACCESS).
 */
function toActor(
  payload: JWTPayload,
  claims: Pick<AppConfig['auth'], 'rolesClaim' | 'entitlementsClaim' | 'allAccess'>,
): Actor {
  const sub = payload.sub;
  if (typeof sub !== 'string' || !SUBJECT.test(sub)) {
    throw new DomainError('unauthorized', 'The token subject is malformed.');
  }
  const claimed = payload[claims.rolesClaim];
  const roles = Array.isArray(claimed) ? claimed.filter((r): r is string => typeof r === 'string' && ROLE.test(r)) : [];
  const claimedEntitlements = payload[claims.entitlementsClaim];
  const entitlements = Array.isArray(claimedEntitlements)
    ? claimedEntitlements.filter(
        (e): e is string => typeof e === 'string' && e.length <= 64 && (e !== '*' || claims.allAccess),
      )
    : [];
  return { userId: sub, roles, entitlements };
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  // jose's codes (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED…) say enough and leak nothing.
  return typeof code === 'string' ? code : 'malformed';
}
