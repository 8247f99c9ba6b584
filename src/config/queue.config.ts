import { registerAs } from '@nestjs/config';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { QUEUE_NAMES, QueueName } from './queues';
import { validateEnv } from './validate-env';

class QueueEnv {
  /** Jobs a worker process runs at once, per queue. */
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY: number = 2;

  /** Queues this process consumes (comma-separated): dedicated workers per queue scale apart. */
  @Matches(new RegExp(`^(${QUEUE_NAMES.join('|')})(,(${QUEUE_NAMES.join('|')}))*$`), {
    message: `must be a comma-separated list of ${QUEUE_NAMES.join(', ')}`,
  })
  WORKER_QUEUES: string = QUEUE_NAMES.join(',');

  @IsInt()
  @Min(1)
  @Max(50)
  JOB_ATTEMPTS: number = 8;

  /** First retry delay in ms; each later one doubles it. */
  @IsInt()
  @Min(10)
  JOB_BACKOFF_MS: number = 2000;

  /** How long a worker's lock on an active job lasts (renewed at half-time while it runs). */
  @IsInt()
  @Min(500)
  JOB_LOCK_DURATION_MS: number = 30_000;

  /** How often a worker looks for stalled jobs (active, lock expired: their worker died). */
  @IsInt()
  @Min(100)
  JOB_STALLED_INTERVAL_MS: number = 30_000;

  /** Times a job may stall and be re-run before it is failed for good. */
  @IsInt()
  @Min(0)
  @Max(20)
  JOB_MAX_STALLED_COUNT: number = 2;

  /** Outbox relay: longest wait between two looks when no NOTIFY arrives. */
  @IsInt()
  @Min(50)
  @Max(600_000)
  OUTBOX_POLL_MS: number = 1000;

  /** Outbox relay: rows claimed per transaction. */
  @IsInt()
  @Min(1)
  @Max(1000)
  OUTBOX_BATCH: number = 100;

  /** Outbox relay: longest pause between retries while Redis refuses jobs. */
  @IsInt()
  @Min(100)
  OUTBOX_MAX_BACKOFF_MS: number = 30_000;

  /** Settled outbox rows (their job finished) are deleted after this many days (0 keeps them). */
  @IsInt()
  @Min(0)
  OUTBOX_RETENTION_DAYS: number = 7;

  /**
   * Outbox relay: a row handed over to Redis whose job has not finished this long after is
   * handed over again with the same job id (Bull ignores it while the job still exists; a
   * Redis that lost its data gets it back).
   */
  @IsInt()
  @Min(500)
  @Max(86_400_000)
  OUTBOX_REDELIVER_AFTER_MS: number = 300_000;
}

export interface QueueConfig {
  concurrency: number;
  /** The queues whose processors run in this process (the outbox relay runs regardless). */
  workerQueues: QueueName[];
  attempts: number;
  backoffMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  outbox: {
    pollMs: number;
    batch: number;
    maxBackoffMs: number;
    retentionDays: number;
    redeliverAfterMs: number;
  };
}

export function loadQueueConfig(source: NodeJS.ProcessEnv = process.env): QueueConfig {
  const raw = validateEnv(QueueEnv, source);
  return {
    concurrency: raw.WORKER_CONCURRENCY,
    workerQueues: [...new Set(raw.WORKER_QUEUES.split(','))] as QueueName[],
    attempts: raw.JOB_ATTEMPTS,
    backoffMs: raw.JOB_BACKOFF_MS,
    lockDurationMs: raw.JOB_LOCK_DURATION_MS,
    stalledIntervalMs: raw.JOB_STALLED_INTERVAL_MS,
    maxStalledCount: raw.JOB_MAX_STALLED_COUNT,
    outbox: {
      pollMs: raw.OUTBOX_POLL_MS,
      batch: raw.OUTBOX_BATCH,
      maxBackoffMs: raw.OUTBOX_MAX_BACKOFF_MS,
      retentionDays: raw.OUTBOX_RETENTION_DAYS,
      redeliverAfterMs: raw.OUTBOX_REDELIVER_AFTER_MS,
    },
  };
}

export const queueConfig = registerAs('queue', () => loadQueueConfig());
