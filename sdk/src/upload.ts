import { callApi, type ApiOptions } from './api';
import { VelvetError } from './errors';

export interface UploadOptions extends ApiOptions {
  readonly title?: string;
  readonly access?: 'public' | 'private' | 'paid';
  readonly onProgress?: (progress: { loaded: number; total: number }) => void;
  readonly signal?: AbortSignal;
  /** Parts in flight at once (multipart). */
  readonly concurrency?: number;
  /** Attempts per part (or per form upload) before giving up. */
  readonly attempts?: number;
  /** Where the video id is remembered so a reload resumes the same upload; null to not remember. */
  readonly storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
}

export interface UploadedVideo {
  readonly videoId: string;
  /** The video as the api returned it on completion (status `queued`). */
  readonly video: { id: string; status: string; [key: string]: unknown };
}

interface PresignedPost {
  strategy: 'single';
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}
interface MultipartPlan {
  strategy: 'multipart';
  partSize: number;
  partCount: number;
}
interface Progress {
  strategy: 'single' | 'multipart';
  partSize: number;
  partCount: number;
  completed: boolean;
  uploadedParts: Array<{ partNumber: number; etag: string; size: number }>;
  post?: PresignedPost;
}
interface PartUrl {
  partNumber: number;
  url: string;
  expiresAt: string;
}

const PRESIGN_BATCH = 100;
// A part URL this close to its expiry is asked for again rather than risked.
const URL_MARGIN_MS = 30_000;

/** The key a file's upload is remembered under: the same file picked again after a reload. */
export function resumeKey(file: File): string {
  return `velvet-upload:${file.name}:${file.size}:${file.lastModified}`;
}

/**
 * Uploads a file straight to S3 through the api's presigned URLs: one form POST for small
 * files, parallel multipart parts with per-part retries for large ones, and resumes after a
 * reload (the video id is remembered per file, the parts already stored are asked from the api).
 */
export async function uploadVideo(file: File, options: UploadOptions): Promise<UploadedVideo> {
  const storage = options.storage === undefined ? globalThis.localStorage : options.storage;
  const key = resumeKey(file);
  let videoId = storage?.getItem(key) ?? null;
  let progress = videoId ? await resumable(options, videoId) : null;
  if (!progress) {
    const created = await callApi<{ video: { id: string }; upload: PresignedPost | MultipartPlan }>(
      options,
      'POST',
      '/v1/videos',
      {
        title: options.title ?? file.name,
        contentType: file.type || 'video/mp4',
        sizeBytes: file.size,
        filename: file.name,
        access: options.access,
      },
      options.signal,
    );
    videoId = created.video.id;
    storage?.setItem(key, videoId);
    progress =
      created.upload.strategy === 'single'
        ? {
            strategy: 'single',
            partSize: file.size,
            partCount: 1,
            completed: false,
            uploadedParts: [],
            post: created.upload,
          }
        : { ...created.upload, completed: false, uploadedParts: [] };
  }
  const id = videoId!;
  const report = (loaded: number) => options.onProgress?.({ loaded: Math.min(loaded, file.size), total: file.size });
  let parts: Array<{ partNumber: number; etag: string }> | undefined;
  if (!progress.completed) {
    if (progress.strategy === 'single') await uploadForm(file, id, progress.post, options, report);
    else parts = await uploadParts(file, id, progress, options, report);
  }
  report(file.size);
  const done = await callApi<{ video: UploadedVideo['video'] }>(
    options,
    'POST',
    `/v1/videos/${id}/upload/complete`,
    parts ? { parts } : undefined,
    options.signal,
  );
  storage?.removeItem(key);
  return { videoId: id, video: done.video };
}

/** The stored upload's state, or null when it is gone (expired, deleted) and must start over. */
async function resumable(options: UploadOptions, videoId: string): Promise<Progress | null> {
  try {
    return await callApi<Progress>(options, 'GET', `/v1/videos/${videoId}/upload`, undefined, options.signal);
  } catch (error) {
    if (error instanceof VelvetError && (error.status === 404 || error.status === 409)) return null;
    throw error;
  }
}

async function uploadForm(
  file: File,
  videoId: string,
  post: PresignedPost | undefined,
  options: UploadOptions,
  report: (n: number) => void,
): Promise<void> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    // A fresh form for every attempt: the signed policy expires.
    const form =
      post && attempt === 1
        ? post
        : (await callApi<Progress>(options, 'GET', `/v1/videos/${videoId}/upload`, undefined, options.signal)).post;
    if (!form) return; // Already uploaded: completing is all that is left.
    const body = new FormData();
    for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
    body.append('file', file);
    try {
      await send('POST', form.url, body, options.signal, report);
      return;
    } catch (error) {
      if (attempt >= attempts || isAbort(error)) throw error;
      await pause(backoff(attempt), options.signal);
    }
  }
}

async function uploadParts(
  file: File,
  videoId: string,
  plan: Progress,
  options: UploadOptions,
  report: (n: number) => void,
): Promise<Array<{ partNumber: number; etag: string }>> {
  const done = new Map(plan.uploadedParts.map((p) => [p.partNumber, p.etag]));
  const pending = Array.from({ length: plan.partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
  const inFlight = new Map<number, number>();
  let stored = plan.uploadedParts.reduce((sum, p) => sum + p.size, 0);
  const update = () => report(stored + [...inFlight.values()].reduce((a, b) => a + b, 0));
  const urls = new Map<number, PartUrl>();

  const urlFor = async (partNumber: number, stale: boolean): Promise<string> => {
    const known = urls.get(partNumber);
    if (!stale && known && Date.parse(known.expiresAt) - Date.now() > URL_MARGIN_MS) return known.url;
    // Ask for this part and the next pending ones in one call.
    const batch = [partNumber, ...pending.filter((n) => n !== partNumber && !urls.has(n))].slice(0, PRESIGN_BATCH);
    const { parts } = await callApi<{ parts: PartUrl[] }>(
      options,
      'POST',
      `/v1/videos/${videoId}/upload/parts`,
      { partNumbers: batch },
      options.signal,
    );
    for (const p of parts) urls.set(p.partNumber, p);
    return urls.get(partNumber)!.url;
  };

  const uploadPart = async (partNumber: number) => {
    const start = (partNumber - 1) * plan.partSize;
    const blob = file.slice(start, Math.min(start + plan.partSize, file.size));
    const attempts = options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const url = await urlFor(partNumber, attempt > 1);
        const etag = await send('PUT', url, blob, options.signal, (loaded) => {
          inFlight.set(partNumber, loaded);
          update();
        });
        if (!etag)
          throw new VelvetError(
            'upload_failed',
            'The storage did not expose the part ETag (bucket CORS must expose ETag).',
          );
        done.set(partNumber, etag);
        inFlight.delete(partNumber);
        stored += blob.size;
        update();
        return;
      } catch (error) {
        inFlight.delete(partNumber);
        if (attempt >= attempts || isAbort(error)) throw error;
        await pause(backoff(attempt), options.signal);
      }
    }
  };

  const queue = [...pending];
  const workers = Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await uploadPart(next);
  });
  await Promise.all(workers);
  return [...done].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
}

/** One XHR (fetch has no upload progress), resolving with the ETag response header. */
function send(
  method: string,
  url: string,
  body: Blob | FormData,
  signal: AbortSignal | undefined,
  onProgress: (loaded: number) => void,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VelvetError('aborted', 'The upload was aborted.'));
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve(xhr.getResponseHeader('etag'))
        : reject(new VelvetError('upload_failed', `The storage answered ${xhr.status}.`, xhr.status));
    xhr.onerror = () => reject(new VelvetError('network', 'The storage could not be reached.'));
    const abort = () => xhr.abort();
    xhr.onabort = () => reject(new VelvetError('aborted', 'The upload was aborted.'));
    signal?.addEventListener('abort', abort, { once: true });
    xhr.onloadend = () => signal?.removeEventListener('abort', abort);
    xhr.send(body);
  });
}

function isAbort(error: unknown): boolean {
  return error instanceof VelvetError && error.code === 'aborted';
}

function backoff(attempt: number): number {
  return Math.min(8000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new VelvetError('aborted', 'The upload was aborted.'));
      },
      { once: true },
    );
  });
}
