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
}

export interface QueueConfig {
  concurrency: number;
  attempts: number;
  backoffMs: number;
}

export function loadQueueConfig(source: NodeJS.ProcessEnv = process.env): QueueConfig {
  const raw = validateEnv(QueueEnv, source);
  return {
    concurrency: raw.WORKER_CONCURRENCY,
    attempts: raw.JOB_ATTEMPTS,
    backoffMs: raw.JOB_BACKOFF_MS,
  };
}

export const queueConfig = registerAs('queue', () => loadQueueConfig());
