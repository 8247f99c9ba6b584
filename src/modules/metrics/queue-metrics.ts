import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { OutboxService } from '../queues/outbox.service';
import { QueueRegistry } from '../queues/queue-registry';
import { MetricsService } from './metrics.service';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Queue metrics of the API's /metrics.
 * - `queue_jobs{queue,state}` and `outbox_backlog` are read from Redis and PostgreSQL at
 *   scrape time, so every instance reports the same cluster-wide values.
 * - `queue_jobs_completed_total` / `queue_jobs_failed_total{queue,name}` count Bull's *global*
 *   events (published by whichever worker ran the job) seen by this API process since it
 *   started; every API instance counts every job, so aggregate with `max` (or scrape one
 *   instance), and use `rate()`. A failed attempt that will be retried counts as failed.
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  private readonly logger = new Logger(QueueMetrics.name);
  private readonly completed: Counter<'queue' | 'name'>;
  private readonly failed: Counter<'queue' | 'name'>;

  constructor(
    metrics: MetricsService,
    private readonly queues: QueueRegistry,
    private readonly outbox: OutboxService,
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

  onModuleInit(): void {
    for (const queue of this.queues.all()) {
      const count = (counter: Counter<'queue' | 'name'>) => (jobId: string) => {
        // Global events carry the id only; the name is on the job (kept after it finished).
        queue
          .getJob(jobId)
          .then((job) => counter.inc({ queue: queue.name, name: job?.name ?? 'unknown' }))
          .catch(() => counter.inc({ queue: queue.name, name: 'unknown' }));
      };
      void queue.on('global:completed', count(this.completed));
      void queue.on('global:failed', count(this.failed));
    }
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

  private async collectBacklog(gauge: Gauge): Promise<void> {
    try {
      gauge.set(await this.outbox.pendingCount());
    } catch (error) {
      this.logger.warn(`outbox_backlog: ${(error as Error).message}`);
    }
  }
}
