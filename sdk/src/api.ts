import { errorFromResponse, VelvetError } from './errors';

export interface ApiOptions {
  /** The Velvet api's base URL, e.g. `https://api.example.com`. */
  readonly api: string;
  /** The viewer's or creator's bearer token; null or undefined for anonymous calls. */
  readonly getToken?: () => string | null | undefined | Promise<string | null | undefined>;
}

/** One JSON call to the api, with the token and the cookies (`credentials: "include"`). */
export async function callApi<T>(
  options: ApiOptions,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const token = await options.getToken?.();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${options.api.replace(/\/+$/, '')}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'include',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw new VelvetError('aborted', 'The request was aborted.');
    throw new VelvetError('network', `The api could not be reached: ${(error as Error).message}`);
  }
  if (!res.ok) throw await errorFromResponse(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}
