import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsConfig, MetricsConfig } from '../../config';
import { bearerMatches } from './metrics-access';
import { MetricsService } from './metrics.service';

/**
 * `/metrics` on a listener of its own (`METRICS_HOST:METRICS_PORT`, loopback by default), so
 * that the API port never shows request counts, queue depth or memory to the public. Started
 * by the API (`configureApi`); a worker has none.
 */
@Injectable()
export class MetricsServer implements OnApplicationShutdown {
  private server?: Server;

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    private readonly metrics: MetricsService,
  ) {}

  async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      if (this.config.token && !bearerMatches(request.headers.authorization, this.config.token)) {
        response.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return;
      }
      this.metrics.render().then(
        (text) =>
          response
            .writeHead(200, {
              'content-type': 'text/plain; version=0.0.4; charset=utf-8',
              'cache-control': 'no-store',
            })
            .end(text),
        (error: Error) => {
          new Logger(MetricsServer.name).error({ err: error }, 'Metrics scrape failed');
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => resolve());
    });
    this.server = server;
  }

  /** Where the listener is bound (undefined until `listen()`). */
  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
