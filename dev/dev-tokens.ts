import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';

const SUBJECT = /^[A-Za-z0-9@._:|+-]{1,64}$/;
const ROLES = new Set(['creator', 'admin']);

/**
 * `POST /dev/token {sub, roles}` → `{token}`: development users for the demo page. Registered
 * by `npm run dev` only (it signs with the generated development secret); never in production.
 */
export function registerDevTokens(fastify: FastifyInstance, secret: string): void {
  const key = new TextEncoder().encode(secret);
  fastify.post('/dev/token', async (request, reply) => {
    const body = (request.body ?? {}) as { sub?: unknown; roles?: unknown };
    const roles = Array.isArray(body.roles) ? body.roles : [];
    if (
      typeof body.sub !== 'string' ||
      !SUBJECT.test(body.sub) ||
      !roles.every((r) => typeof r === 'string' && ROLES.has(r))
    ) {
      return reply.status(400).type('application/problem+json').send({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        code: 'invalid_request',
        detail: 'sub (a user id) and roles (creator, admin) are required.',
      });
    }
    const token = await new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(body.sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    return { token };
  });
}
