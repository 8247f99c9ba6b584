import { Module } from '@nestjs/common';
import { JobRunner } from './job-runner';
import { QueueRootModule } from './queue-root.module';

/**
 * The job runner every processors' module imports (one instance per process): processors
 * register their queue's handler table with it, and it takes the jobs.
 */
@Module({
  imports: [QueueRootModule],
  providers: [JobRunner],
  exports: [JobRunner],
})
export class JobRunnerModule {}
