import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import type Redis from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { OutboxService } from '../queues/outbox.service';
import { QueueRegistry } from '../queues/queue-registry';
import { RedisFactory } from '../../redis/redis.factory';
import { MetricsService } from './metrics.service';
import { scrapeGauges } from './scrape-gauges';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Queue metrics of the API's /metrics.
 * - `queue_jobs{queue,state}`, `outbox_backlog`, `outbox_unfinished_jobs` and
 *   `outbox_oldest_unfinished_job_age_seconds` are read from Redis and PostgreSQL at scrape
 *   time, so every instance reports the same cluster-wide values.
 * - `queue_jobs_completed_total` / `queue_jobs_failed_total{queue,name}` count Bull's *global*
 *   events (published by whichever worker ran the job on `<queue key>:completed|failed`) seen
 *   by this API process since it started, through a subscriber connection of its own (Bull's
 *   `on('global:…')` subscribes in a promise nobody can catch, which rejects when the app
 *   closes before the subscription is made); every API instance counts every job, so aggregate with `max` (or scrape one
 *   instance), and use `rate()`. A failed attempt that will be retried counts as failed.
 */
@Injectable()
export class QueueMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueMetrics.name);
  private readonly completed: Counter<'queue' | 'name'>;
  private readonly failed: Counter<'queue' | 'name'>;
  private subscriber?: Redis;

  constructor(
    metrics: MetricsService,
    private readonly queues: QueueRegistry,
    private readonly outbox: OutboxService,
    private readonly redis: RedisFactory,
  ) {
    const registers = [metrics.registry];
    const collectDepth = (gauge: Gauge<'queue' | 'state'>) => this.collectDepth(gauge);
    const collectBacklog = (gauge: Gauge) => this.collectBacklog(gauge);
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state (waiting, active, delayed, failed), read at scrape time',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        await collectDepth(this);
      },
    });
    new Gauge({
      name: 'outbox_backlog',
      help: 'Outbox rows committed but not yet relayed onto a queue, read at scrape time',
      registers,
      async collect() {
        await collectBacklog(this);
      },
    });
    scrapeGauges(metrics.registry, () => this.readUnfinished(), [
      {
        name: 'outbox_unfinished_jobs',
        help: 'Jobs written to the outbox whose work has not finished yet (relayed or not), read at scrape time',
        fill: (gauge, read) => gauge.set(read.count),
      },
      {
        name: 'outbox_oldest_unfinished_job_age_seconds',
        help: 'Age of the oldest job whose work has not finished (0: none), read at scrape time; alert when it passes minutes',
        fill: (gauge, read) => gauge.set(read.oldestAgeSeconds),
      },
    ]);
    this.completed = new Counter({
      name: 'queue_jobs_completed_total',
      help: 'Jobs completed by any worker (Bull global events seen by this process)',
      labelNames: ['queue', 'name'] as const,
      registers,
    });
    this.failed = new Counter({
      name: 'queue_jobs_failed_total',
      help: 'Job attempts failed in any worker, retried or not (Bull global events seen by this process)',
      labelNames: ['queue', 'name'] as const,
      registers,
    });
  }

  async onModuleInit(): Promise<void> {
    const channels = new Map<string, { queue: Queue; counter: Counter<'queue' | 'name'> }>();
    for (const queue of this.queues.all()) {
      channels.set(queue.toKey('completed'), { queue, counter: this.completed });
      channels.set(queue.toKey('failed'), { queue, counter: this.failed });
    }
    const { connection, subscribed } = this.redis.subscribe(
      'queue-metrics',
      [...channels.keys()],
      (channel, message) => {
        const target = channels.get(channel);
        if (!target) return;
        let jobId: string | undefined;
        try {
          jobId = (JSON.parse(message) as { jobId?: string }).jobId;
        } catch {
          return;
        }
        const { queue, counter } = target;
        // The event carries the id only; the name is on the job (kept after it finished).
        const name = jobId
          ? queue.getJob(jobId).then((job) => job?.name)
          : Promise.resolve(undefined);
        name
          .catch(() => undefined)
          .then((n) => counter.inc({ queue: queue.name, name: n ?? 'unknown' }))
          .catch(() => undefined);
      },
    );
    this.subscriber = connection;
    try {
      await subscribed;
    } catch (error) {
      this.logger.warn(`job counters unavailable: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  private async collectDepth(gauge: Gauge<'queue' | 'state'>): Promise<void> {
    await Promise.all(
      this.queues.all().map(async (queue) => {
        try {
          const counts = await queue.getJobCounts();
          for (const state of STATES) gauge.set({ queue: queue.name, state }, counts[state]);
        } catch (error) {
          this.logger.warn(`queue_jobs{queue="${queue.name}"}: ${(error as Error).message}`);
        }
      }),
    );
  }

  private async readUnfinished(): Promise<{ count: number; oldestAgeSeconds: number } | undefined> {
    try {
      return await this.outbox.unsettled();
    } catch (error) {
      this.logger.warn(`outbox_unfinished_jobs: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async collectBacklog(gauge: Gauge): Promise<void> {
    try {
      gauge.set(await this.outbox.pendingCount());
    } catch (error) {
      this.logger.warn(`outbox_backlog: ${(error as Error).message}`);
    }
  }
}
