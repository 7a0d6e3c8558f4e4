import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { Metrics } from '../../ports/metrics';

/**
 * `/metrics` on its own port (METRICS_PORT, on METRICS_HOST): never on the public api port unless
 * METRICS_ON_API_PORT says so, since queue depths and process figures are for operators and
 * scrapers, not viewers. The api and the worker each serve their own.
 */
@Injectable()
export class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsEndpoint.name);
  private server: Server | null = null;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    if (port === undefined) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
      this.metrics.exposition().then(
        ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text),
        (error: unknown) => {
          this.logger.warn(`metrics: ${error instanceof Error ? error.message : String(error)}`);
          res.writeHead(503).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.logger.log(`metrics on http://${address.address}:${address.port}/metrics`);
  }

  /** Where it listens (tests start it on port 0); null when off. */
  address(): AddressInfo | null {
    return (this.server?.address() as AddressInfo | null) ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
