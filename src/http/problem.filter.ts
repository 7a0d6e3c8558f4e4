import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../domain/errors';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

const logger = new Logger('Http');
const RETRY_AFTER_SECONDS = 5;

/** Sends any error as problem+json and logs it once; used by Nest and by Fastify's own handler. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0];
  // Answered already (REQUEST_TIMEOUT_SECONDS ran out first): this late error only goes to the log.
  if (reply.sent || reply.raw.headersSent) {
    logger.warn(
      `${request.method} ${path} [${request.id}] failed after its answer was sent: ${error instanceof Error ? error.message : String(error)}`,
    );
    return;
  }
  const problem = toProblem(error, String(request.id), path);
  const line = `${request.method} ${path} → ${problem.status} ${problem.code} [${request.id}]: ${problem.detail}`;
  if (problem.status >= 500) logger.error(line, error instanceof Error ? error.stack : String(error));
  else logger.warn(line);
  if (error instanceof RateLimitedError) void reply.header('retry-after', String(error.retryAfterSeconds));
  // A dependency down (database, Redis, storage) or a request past REQUEST_TIMEOUT_SECONDS: try again soon.
  else if (problem.status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
