import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MetricsServer } from '../../src/modules/metrics/metrics-server';

/** Scrapes the app's metrics listener (its own loopback port, as Prometheus would). */
export async function scrapeMetrics(app: NestFastifyApplication): Promise<string> {
  const address = app.get(MetricsServer).address();
  if (!address) throw new Error('the metrics listener is not running');
  const res = await fetch(`http://127.0.0.1:${address.port}/metrics`);
  if (res.status !== 200) throw new Error(`metrics: ${res.status}`);
  return res.text();
}
