/** What went wrong, as a player or an upload form needs to tell it apart. */
export type VelvetErrorCode =
  | 'not_entitled'
  | 'not_available'
  | 'too_many_streams'
  | 'not_ready'
  | 'not_downloadable'
  | 'not_found'
  | 'unauthorized'
  | 'expired'
  | 'network'
  | 'rate_limited'
  | 'aborted'
  | 'upload_failed'
  | 'api_error';

export class VelvetError extends Error {
  constructor(
    readonly code: VelvetErrorCode,
    message: string,
    /** The HTTP status, when there was a response. */
    readonly status?: number,
    /** The api's problem+json body, when it sent one. */
    readonly problem?: { code?: string; detail?: string; [key: string]: unknown },
  ) {
    super(message);
    this.name = 'VelvetError';
  }
}

const API_CODES: Record<string, VelvetErrorCode> = {
  not_entitled: 'not_entitled',
  not_available: 'not_available',
  too_many_streams: 'too_many_streams',
  not_ready: 'not_ready',
  not_downloadable: 'not_downloadable',
  not_found: 'not_found',
  unauthorized: 'unauthorized',
  rate_limited: 'rate_limited',
};

/** A non-2xx api response as a typed error (RFC 9457 body when there is one). */
export async function errorFromResponse(res: Response): Promise<VelvetError> {
  let problem: VelvetError['problem'];
  try {
    problem = (await res.json()) as VelvetError['problem'];
  } catch {
    problem = undefined;
  }
  const code = (problem?.code && API_CODES[problem.code]) || (res.status === 429 ? 'rate_limited' : 'api_error');
  return new VelvetError(code, problem?.detail ?? `The api answered ${res.status}.`, res.status, problem);
}
