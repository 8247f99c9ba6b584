import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';
import { scrapeGauges } from '../metrics/scrape-gauges';
import { OUTCOME_UNKNOWN } from './mail-log.service';

interface UnknownOutcomes {
  template: string;
  attempts: number;
  unresolved: number;
}

/**
 * Mail delivery metrics of the API's /metrics, read from `mail_log` at scrape time (the
 * workers that send are other processes), so every instance reports the same values:
 * - `mail_unknown_outcomes_total{template}`: send attempts whose outcome was unknown (a worker
 *   killed inside the SMTP exchange, a connection broken after DATA). An at-least-once message
 *   was then sent again with the same Message-ID: the recipient may hold two copies.
 * - `mail_possibly_lost{template}`: events whose last attempt's outcome is unknown and that no
 *   later delivery settled: closed at-most-once messages, or at-least-once ones still waiting
 *   for their next attempt. Alert when it stays above 0.
 */
@Injectable()
export class MailMetrics {
  private readonly logger = new Logger(MailMetrics.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    metrics: MetricsService,
  ) {
    scrapeGauges(metrics.registry, () => this.read(), [
      {
        name: 'mail_unknown_outcomes_total',
        help: 'Mail send attempts whose outcome was unknown (at-least-once messages were sent again with the same Message-ID), read at scrape time',
        labelNames: ['template'],
        fill: (gauge, rows) => rows.forEach((r) => gauge.set({ template: r.template }, r.attempts)),
      },
      {
        name: 'mail_possibly_lost',
        help: 'Mail events whose last attempt had an unknown outcome and no delivery since, read at scrape time',
        labelNames: ['template'],
        fill: (gauge, rows) =>
          rows.forEach((r) => gauge.set({ template: r.template }, r.unresolved)),
      },
    ]);
  }

  private async read(): Promise<UnknownOutcomes[] | undefined> {
    try {
      return await this.db.query(
        `SELECT template, sum(unknown_outcomes)::int AS attempts,
                count(*) FILTER (WHERE status <> 'sent' AND last_error LIKE $1)::int AS unresolved
           FROM mail_log WHERE unknown_outcomes > 0
          GROUP BY template`,
        [`${OUTCOME_UNKNOWN}%`],
      );
    } catch (error) {
      this.logger.warn(`mail metrics: ${(error as Error).message}`);
      return undefined;
    }
  }
}
