import { Gauge, Registry } from 'prom-client';

export interface ScrapeGauge<T> {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** Sets the gauge (already reset) from what `read` returned. */
  fill: (gauge: Gauge, value: T) => void;
}

/**
 * Gauges filled at scrape time from ONE read (a query) shared by all of them: prom-client
 * collects every metric at once, so each gauge awaits the same pending read. A read that
 * resolves to undefined (its source unreachable) leaves the gauges as they were.
 */
export function scrapeGauges<T>(
  registry: Registry,
  read: () => Promise<T | undefined>,
  gauges: ScrapeGauge<T>[],
): void {
  let pending: Promise<T | undefined> | undefined;
  const shared = () =>
    (pending ??= read().finally(() => {
      pending = undefined;
    }));
  for (const { name, help, labelNames = [], fill } of gauges) {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const value = await shared();
        if (value === undefined) return;
        this.reset();
        fill(this, value);
      },
    });
  }
}
