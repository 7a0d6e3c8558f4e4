/**
 * The S3 fault switch, in the test wiring only: a pass-through proxy in front of the S3 server
 * that, while switched on, answers a share of requests 500 or 503 (S3's own error bodies) or
 * holds them for a while before passing them on. Everything Velvet and the clients send to S3
 * goes through it (S3_ENDPOINT and the presigned URLs name it); the Host header is kept, so
 * signatures still verify behind it.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FaultMode {
  /** Share of requests answered 500 InternalError or 503 SlowDown at once. */
  readonly errorRate: number;
  /** Share of requests held `stallMs` before being passed on. */
  readonly stallRate: number;
  readonly stallMs: number;
}

export const NO_FAULTS: FaultMode = { errorRate: 0, stallRate: 0, stallMs: 0 };

export interface FaultProxy {
  readonly url: string;
  mode: FaultMode;
  readonly injected: { errors: number; stalls: number };
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const proxy: FaultProxy & { server?: Server } = {
    url: '',
    mode: NO_FAULTS,
    injected: { errors: 0, stalls: 0 },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => void forward(req, res));

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { errorRate, stallRate, stallMs } = proxy.mode;
    const roll = Math.random();
    if (roll < errorRate) {
      proxy.injected.errors++;
      const busy = roll < errorRate / 2;
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${busy ? 'SlowDown' : 'InternalError'}</Code><Message>injected fault</Message><RequestId>fault</RequestId></Error>`;
      req.resume();
      res.writeHead(busy ? 503 : 500, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (roll < errorRate + stallRate) {
      proxy.injected.stalls++;
      await new Promise((resolve) => setTimeout(resolve, stallMs));
    }
    const out = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(proxy, { url: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
  return proxy;
}
