/**
 * REQUEST_TIMEOUT_SECONDS: with storage stalling (a server that accepts connections and never
 * answers), a request needing it is answered 503 problem+json with Retry-After at the deadline,
 * not left hanging, and the api goes on serving.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { startApi, token, type RunningApi } from '../support/harness';

describe('a request past REQUEST_TIMEOUT_SECONDS', () => {
  let api: RunningApi;
  let blackHole: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    blackHole = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as { port: number }).port;
    api = await startApi({ REQUEST_TIMEOUT_SECONDS: '1', S3_ENDPOINT: `http://127.0.0.1:${port}` });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await api?.close();
    await new Promise((resolve) => blackHole.close(resolve));
  });

  it('answers 503 dependency_unavailable with Retry-After at the deadline, then keeps serving', async () => {
    const started = Date.now();
    const res = await fetch(`${api.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { code: string }).code).toBe('dependency_unavailable');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);

    // An upload completion waits on storage too; the api still answers what needs none of it.
    const creator = await token('timeout-creator');
    const created = await fetch(`${api.url}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 't', contentType: 'video/mp4', sizeBytes: 10 }),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { video: { id: string } }).video.id;
    const complete = await fetch(`${api.url}/v1/videos/${id}/upload/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creator}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(complete.status).toBe(503);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });
});
