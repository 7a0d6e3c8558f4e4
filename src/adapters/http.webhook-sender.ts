import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { isPublicAddress } from '../domain/webhook-url';
import { WebhookSender, type SendResult } from '../ports/webhook-sender';

// Response bodies are read up to this and dropped: a receiver cannot fill our memory or rows.
const MAX_BODY_BYTES = 1024;

/**
 * node:http(s) with request-filtering-agent, which checks the address each connection actually
 * goes to after DNS (a name that resolves to 127.0.0.1 today is refused today); IP literals are
 * checked here too, before any socket.
 */
@Injectable()
export class HttpWebhookSender extends WebhookSender implements OnApplicationShutdown {
  private readonly allowPrivate: boolean;
  private readonly agents: { http: RequestFilteringHttpAgent; https: RequestFilteringHttpsAgent };

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'webhooks'>) {
    super();
    this.allowPrivate = config.webhooks.allowPrivate;
    const options = {
      keepAlive: true,
      maxSockets: 8,
      allowPrivateIPAddress: this.allowPrivate,
      allowMetaIPAddress: this.allowPrivate,
    };
    this.agents = { http: new RequestFilteringHttpAgent(options), https: new RequestFilteringHttpsAgent(options) };
  }

  post(url: string, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = new URL(url);
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (!this.allowPrivate && /^[\d.]+$|:/.test(literal) && !isPublicAddress(literal)) {
      return Promise.resolve({
        status: null,
        durationMs: 0,
        error: `refused: ${target.hostname} is not a public address`,
      });
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const agent = target.protocol === 'https:' ? this.agents.https : this.agents.http;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<SendResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, durationMs: elapsed() });
      };
      const req = send(
        target,
        { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res: IncomingMessage) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            // Enough read: the status is what counts; the rest is thrown away unread.
            if (read >= MAX_BODY_BYTES) res.destroy();
          });
          const done = () => {
            const status = res.statusCode ?? 0;
            finish({
              status,
              error:
                status >= 200 && status < 300
                  ? null
                  : status >= 300 && status < 400
                    ? `redirect to ${res.headers.location ?? '?'} not followed`
                    : `HTTP ${status}`,
            });
          };
          res.on('end', done);
          res.on('close', done);
        },
      );
      const timer = setTimeout(() => {
        finish({ status: null, error: `no answer within ${timeoutMs / 1000} s` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (error: Error) => finish({ status: null, error: describe(error, target.hostname) }));
      req.end(body);
    });
  }

  onApplicationShutdown(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/**
 * What the endpoint's owner reads about a failed try: the error's code and the host they gave,
 * never the address it resolved to here (an internal DNS answer maps the network for them).
 */
function describe(error: Error, host: string): string {
  if (/is not allowed/.test(error.message)) return `refused: ${host} does not resolve to a public address`;
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code} connecting to ${host}` : `the connection to ${host} failed`;
}
