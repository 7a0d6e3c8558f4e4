/** Stable machine-readable codes; clients branch on these, so never rename one. */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'invalid_id'
  | 'invalid_cursor'
  | 'invalid_parts'
  | 'invalid_state'
  | 'not_ready'
  | 'not_downloadable'
  | 'invalid_captions'
  | 'too_many_captions'
  | 'not_entitled'
  | 'not_available'
  | 'too_many_streams'
  | 'playback_not_configured'
  | 'unsupported_content_type'
  | 'unsupported_media_type'
  | 'upload_too_large'
  | 'upload_incomplete'
  | 'upload_size_mismatch'
  | 'invalid_webhook_url'
  | 'webhook_url_not_public'
  | 'invalid_view_token'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'rate_limited'
  | 'dependency_unavailable'
  | 'internal';

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: readonly ErrorDetail[],
    /** Extra members of the problem document (RFC 9457 §3.2), e.g. the `line` of a bad file. */
    readonly extensions?: Readonly<Record<string, string | number>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Too many requests; `retryAfterSeconds` becomes the Retry-After header. */
export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `Too many requests; try again in ${retryAfterSeconds} s.`);
  }
}

/** An error's message for a log line, whatever was thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
