/**
 * The fault run's load, for as long as the run lasts: creators uploading short clips (one
 * presigned POST, or multipart with a part sent twice), some deleting what they uploaded, and
 * viewers creating and renewing playback sessions and fetching playlists and segments through
 * the edge. Every upload the api accepted (202) is remembered for the checks.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { ApiClient, Tally } from './client';

export interface Clip {
  readonly path: string;
  readonly multipart: boolean;
}

export interface LoadState {
  /** Upload accepted (202) → when. */
  readonly accepted: Map<string, number>;
  readonly deleted: Set<string>;
  readonly ready: Set<string>;
  readonly granted: Set<string>;
  uploads: { single: number; multipart: number; partRetries: number };
  sessions: number;
  segmentGets: number;
  playlistGets: number;
  edgeErrors: number;
  storageErrors: number;
}

export function newLoadState(): LoadState {
  return {
    accepted: new Map(),
    deleted: new Set(),
    ready: new Set(),
    granted: new Set(),
    uploads: { single: 0, multipart: 0, partRetries: 0 },
    sessions: 0,
    segmentGets: 0,
    playlistGets: 0,
    edgeErrors: 0,
    storageErrors: 0,
  };
}

export interface LoadContext {
  readonly api: ApiClient;
  readonly tally: Tally;
  readonly state: LoadState;
  readonly tokens: { creator: string; admin: string; viewer: string };
  readonly clips: readonly Clip[];
  /** When the loops stop: moved up once the last fault is over. */
  until: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** A request to storage or the edge, retried a few times; null when it never succeeded. */
async function withRetries(
  what: () => Promise<Response>,
  ok: (r: Response) => boolean,
  onError: () => void,
  tries = 6,
): Promise<Response | null> {
  for (let attempt = 0; attempt < tries; attempt++) {
    try {
      const res = await what();
      if (ok(res)) return res;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      // Refused or reset: counted below like an error answer.
    }
    onError();
    await sleep(300 * (attempt + 1));
  }
  return null;
}

export async function creator(ctx: LoadContext, n: number): Promise<void> {
  const { api, state, tokens } = ctx;
  for (let i = 0; Date.now() < ctx.until; i++) {
    const clip = ctx.clips[(n + i) % ctx.clips.length]!;
    const bytes = readFileSync(clip.path);
    const created = await api.call('POST', '/v1/videos', tokens.creator, {
      title: `fault run ${n}-${i}`,
      contentType: 'video/mp4',
      sizeBytes: bytes.length,
      access: 'paid',
    });
    if (created?.status !== 201) continue;
    const id: string = created.json.video.id;
    const upload = created.json.upload;
    const parts =
      upload.strategy === 'multipart'
        ? await multipart(ctx, id, upload, bytes, i % 2 === 0)
        : await single(ctx, upload, bytes);
    if (parts === false) continue;
    const done = await api.call(
      'POST',
      `/v1/videos/${id}/upload/complete`,
      tokens.creator,
      parts ? { parts } : undefined,
    );
    if (done?.status === 202) state.accepted.set(id, Date.now());
    // Some creators change their mind: deleted while processing, or after.
    if (done?.status === 202 && Math.random() < 0.15) {
      void sleep(1000 + Math.random() * 15_000).then(async () => {
        const gone = await api.call('DELETE', `/v1/videos/${id}`, tokens.creator);
        // 404: an earlier try, answered 503 at REQUEST_TIMEOUT_SECONDS, finished the delete late and
        // the client's retry found it gone (REQUEST_TIMEOUT_SECONDS drops the answer, not the work).
        if (gone?.status === 204 || gone?.status === 404) state.deleted.add(id);
      });
    }
    // Paced to what two workers on two cores finish: the run proves nothing is lost, not throughput.
    await sleep(3000 + Math.random() * 3000);
  }
}

async function single(
  ctx: LoadContext,
  upload: { url: string; fields: Record<string, string> },
  bytes: Buffer,
): Promise<undefined | false> {
  const sent = await withRetries(
    () => {
      const form = new FormData();
      for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
      form.append('file', new Blob([bytes], { type: 'video/mp4' }), 'clip.mp4');
      return fetch(upload.url, { method: 'POST', body: form, signal: AbortSignal.timeout(30_000) });
    },
    (r) => r.status === 204,
    () => ctx.state.storageErrors++,
  );
  if (!sent) return false;
  ctx.state.uploads.single++;
  return undefined;
}

async function multipart(
  ctx: LoadContext,
  id: string,
  plan: { partSize: number; partCount: number },
  bytes: Buffer,
  retryAPart: boolean,
): Promise<Array<{ partNumber: number; etag: string }> | false> {
  const numbers = Array.from({ length: plan.partCount }, (_, i) => i + 1);
  const urls = await ctx.api.call('POST', `/v1/videos/${id}/upload/parts`, ctx.tokens.creator, {
    partNumbers: numbers,
  });
  if (urls?.status !== 200) return false;
  const parts: Array<{ partNumber: number; etag: string }> = [];
  for (const { partNumber, url } of urls.json.parts as Array<{ partNumber: number; url: string }>) {
    const body = bytes.subarray((partNumber - 1) * plan.partSize, Math.min(bytes.length, partNumber * plan.partSize));
    // A part sent twice (a client retrying after a lost answer): S3 keeps the last, same bytes.
    const times = retryAPart && partNumber === 1 ? 2 : 1;
    let etag: string | null = null;
    for (let t = 0; t < times; t++) {
      const res = await withRetries(
        () => fetch(url, { method: 'PUT', body, signal: AbortSignal.timeout(30_000) }),
        (r) => r.ok,
        () => ctx.state.storageErrors++,
      );
      if (!res) return false;
      etag = res.headers.get('etag');
      if (t > 0) ctx.state.uploads.partRetries++;
    }
    parts.push({ partNumber, etag: etag! });
  }
  ctx.state.uploads.multipart++;
  return parts;
}

/** A viewer: sessions for ready videos, renewed, and the files a player fetches, through the edge. */
export async function viewer(ctx: LoadContext, n: number): Promise<void> {
  const { api, state, tokens } = ctx;
  const playerId = `fault-player-${n}`;
  while (Date.now() < ctx.until) {
    const ready = [...state.ready].filter((id) => !state.deleted.has(id));
    if (ready.length === 0) {
      await sleep(1000);
      continue;
    }
    const id = pick(ready);
    if (!state.granted.has(id)) {
      const granted = await api.call('PUT', `/v1/videos/${id}/grants/fault-viewer`, tokens.admin, {});
      if (granted?.status === 200) state.granted.add(id);
      else continue;
    }
    for (let renewal = 0; renewal < 3 && Date.now() < ctx.until; renewal++) {
      const session = await api.call('POST', `/v1/videos/${id}/playback-sessions`, tokens.viewer, { playerId });
      if (session?.status !== 201) break;
      state.sessions++;
      const cookie = (session.json.cookies as Array<{ name: string; value: string }>)
        .map((c) => `${c.name}=${c.value}`)
        .join('; ');
      const get = (url: string) =>
        withRetries(
          () => fetch(url, { headers: { cookie }, signal: AbortSignal.timeout(20_000) }),
          (r) => r.ok,
          () => state.edgeErrors++,
          3,
        );
      const master = await get(session.json.manifestUrl);
      if (!master) break;
      state.playlistGets++;
      const variant = (await master.text()).split('\n').find((l) => l && !l.startsWith('#'));
      if (!variant) break;
      const playlistUrl = new URL(variant, session.json.manifestUrl).toString();
      const playlist = await get(playlistUrl);
      if (!playlist) break;
      state.playlistGets++;
      const segments = (await playlist.text()).split('\n').filter((l) => l && !l.startsWith('#'));
      const segment = segments.length > 0 ? await get(new URL(pick(segments), playlistUrl).toString()) : null;
      if (segment) {
        await segment.arrayBuffer();
        state.segmentGets++;
      }
      await sleep(500);
    }
  }
}

/** Watches the accepted uploads' status, so viewers know what plays. */
export async function watcher(
  ctx: LoadContext,
  finals: Map<string, { status: string; errorCode: string | null }>,
): Promise<void> {
  while (Date.now() < ctx.until) {
    for (const id of ctx.state.accepted.keys()) {
      if (finals.has(id) || ctx.state.deleted.has(id)) continue;
      const res = await ctx.api.call('GET', `/v1/videos/${id}`, ctx.tokens.creator, undefined, 2);
      if (res?.status === 200 && (res.json.status === 'ready' || res.json.status === 'failed')) {
        finals.set(id, { status: res.json.status, errorCode: res.json.error?.code ?? null });
        if (res.json.status === 'ready') ctx.state.ready.add(id);
      }
    }
    await sleep(1000);
  }
}

/** The creators' webhook endpoint: records every event id it is sent; it can be taken down. */
export class Receiver {
  readonly received = new Set<string>();
  deliveries = 0;
  lastDeliveryAt = 0;
  private server: Server | null = null;

  constructor(readonly port: number) {}

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = req.headers['webhook-id'];
        if (typeof id === 'string') this.received.add(id);
        this.deliveries++;
        this.lastDeliveryAt = Date.now();
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
