import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../domain/errors';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

const logger = new Logger('Http');

/** Sends any error as problem+json and logs it once; used by Nest and by Fastify's own handler. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0];
  const problem = toProblem(error, String(request.id), path);
  const line = `${request.method} ${path} → ${problem.status} ${problem.code} [${request.id}]: ${problem.detail}`;
  if (problem.status >= 500) logger.error(line, error instanceof Error ? error.stack : String(error));
  else logger.warn(line);
  if (error instanceof RateLimitedError) void reply.header('retry-after', String(error.retryAfterSeconds));
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
