import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors';
import { isAdmin, type Actor } from '../domain/video';
import { TokenVerifier } from '../ports/token-verifier';

const PUBLIC = 'velvet:public';
const OPTIONAL = 'velvet:optional-auth';
const ROLE = 'velvet:role';

/** The route needs no token (health probes, docs). */
export const Public = () => SetMetadata(PUBLIC, true);
/** A token is verified when present (a bad one is still 401), but anonymous callers pass too. */
export const OptionalAuth = () => SetMetadata(OPTIONAL, true);
/** The caller needs this role (an admin always passes). */
export const RequireRole = (role: string) => SetMetadata(ROLE, role);

type AuthedRequest = FastifyRequest & { actor?: Actor };

/** The bearer token of an Authorization header; 401 without a well-formed one. */
export function bearerToken(header: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header ?? '');
  if (!match?.[1]) throw new DomainError('unauthorized', 'A bearer token is required.');
  return match[1];
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<AuthedRequest>().actor;
  if (!actor) throw new DomainError('unauthorized', 'A bearer token is required.');
  return actor;
});

/** The caller, or null for an anonymous one (routes with OptionalAuth). */
export const Viewer = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Actor | null => ctx.switchToHttp().getRequest<AuthedRequest>().actor ?? null,
);

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = ctx.switchToHttp().getRequest<AuthedRequest>();
    if (this.reflector.getAllAndOverride<boolean>(OPTIONAL, targets) && !request.headers.authorization) return true;
    const actor = await this.tokens.verify(bearerToken(request.headers.authorization));
    const role = this.reflector.getAllAndOverride<string | undefined>(ROLE, targets);
    if (role && !actor.roles.includes(role) && !isAdmin(actor)) {
      throw new DomainError('forbidden', `This needs the ${role} role.`);
    }
    request.actor = actor;
    return true;
  }
}
