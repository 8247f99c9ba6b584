import { registerAs } from '@nestjs/config';
import { IsInt, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class QueueEnv {
  /** Jobs a worker process runs at once, per queue. */
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY: number = 2;

  @IsInt()
  @Min(1)
  @Max(50)
  JOB_ATTEMPTS: number = 8;

  /** First retry delay in ms; each later one doubles it. */
  @IsInt()
  @Min(10)
  JOB_BACKOFF_MS: number = 2000;

  /**
   * How often a worker looks for stalled jobs (active, but their worker stopped renewing the
   * lock, e.g. killed): those run again.
   */
  @IsInt()
  @Min(100)
  JOB_STALLED_INTERVAL_MS: number = 30000;

  /** How long a job's lock lives without renewal (renewed at half of it while it runs). */
  @IsInt()
  @Min(500)
  JOB_LOCK_DURATION_MS: number = 30000;
}

export interface QueueConfig {
  concurrency: number;
  attempts: number;
  backoffMs: number;
  stalledIntervalMs: number;
  lockDurationMs: number;
}

export function loadQueueConfig(source: NodeJS.ProcessEnv = process.env): QueueConfig {
  const raw = validateEnv(QueueEnv, source);
  return {
    concurrency: raw.WORKER_CONCURRENCY,
    attempts: raw.JOB_ATTEMPTS,
    backoffMs: raw.JOB_BACKOFF_MS,
    stalledIntervalMs: raw.JOB_STALLED_INTERVAL_MS,
    lockDurationMs: raw.JOB_LOCK_DURATION_MS,
  };
}

export const queueConfig = registerAs('queue', () => loadQueueConfig());
