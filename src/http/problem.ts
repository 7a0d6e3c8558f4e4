import { HttpException } from '@nestjs/common';
import { DomainError, type ErrorCode, type ErrorDetail } from '../domain/errors';

/** The HTTP status of every stable code (exported for the fuzzed-input tests). */
export const STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_id: 400,
  invalid_cursor: 400,
  invalid_parts: 400,
  invalid_view_token: 401,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  invalid_state: 409,
  not_ready: 409,
  not_downloadable: 409,
  invalid_captions: 400,
  too_many_captions: 409,
  not_entitled: 403,
  not_available: 403,
  too_many_streams: 429,
  playback_not_configured: 503,
  upload_incomplete: 409,
  upload_size_mismatch: 409,
  invalid_webhook_url: 422,
  webhook_url_not_public: 422,
  payload_too_large: 413,
  upload_too_large: 413,
  rate_limited: 429,
  unsupported_content_type: 415,
  unsupported_media_type: 415,
  internal: 500,
  dependency_unavailable: 503,
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** RFC 9457 problem details, with Velvet's stable `code` and the request's correlation id. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly correlationId: string;
  readonly instance?: string;
  readonly errors?: readonly ErrorDetail[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Fastify's own errors (body parsing, limits) by their codes. */
const FASTIFY: Record<string, [code: ErrorCode, detail: string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'The body is empty but declared as JSON.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'Content-Length does not match the body.'],
};

// What names a machine inside: a URL, an IPv4 or bracketed IPv6 address, a host with a port.
const ADDRESS =
  /\b[a-z][a-z0-9+.-]*:\/\/\S+|\[[0-9a-f:.]+\](?::\d+)?|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*:\d{2,5}\b|(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{1,4}\b/gi;

/**
 * A server-side failure's detail with every internal address taken out: a dependency's error
 * (`connect ECONNREFUSED 10.0.3.7:5432`) tells an attacker the network's layout. The log keeps
 * the whole message, under the same correlation id.
 */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, '(internal address)');
}

export function toProblem(error: unknown, correlationId: string, instance?: string): Problem {
  const [code, described, errors] = describe(error);
  const status = STATUS[code];
  const detail = status >= 500 ? withoutAddresses(described) : described;
  return {
    ...(error instanceof DomainError ? error.extensions : undefined),
    type: `urn:velvet:problem:${code}`,
    title: code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    status,
    detail,
    code,
    correlationId,
    ...(instance ? { instance } : {}),
    ...(errors?.length ? { errors } : {}),
  };
}

type Described = [code: ErrorCode, detail: string, errors?: readonly ErrorDetail[]];

function describe(error: unknown): Described {
  if (error instanceof DomainError) return [error.code, error.message, error.details];
  // Nest wraps Fastify's own errors (body parsing, limits) in an HttpException with the cause.
  const cause = error instanceof HttpException ? error.cause : error;
  const fastifyCode = (cause as { code?: unknown } | null)?.code;
  if (typeof fastifyCode === 'string' && FASTIFY[fastifyCode]) return FASTIFY[fastifyCode];
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return ['invalid_json', 'The body is not valid JSON.'];
  }
  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && BY_STATUS[status]) {
    const code = BY_STATUS[status];
    return [code, code === 'not_found' ? 'No such route.' : (error as Error).message];
  }
  return ['internal', 'Something went wrong; the correlation id identifies this failure in the logs.'];
}
