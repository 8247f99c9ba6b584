import 'reflect-metadata';
import { QUEUES } from '../../src/modules/queues/queue-names';
import { queueOf, startContext } from './jobs';

/**
 * A worker process (for the stalled-job test) whose handler announces each job and never
 * finishes it, so that the test can kill it mid-job. Test-only: it is no production processor.
 */
void (async () => {
  const context = await startContext();
  void queueOf(context, QUEUES.mail).process('*', 1, (job) => {
    process.stdout.write(`started ${job.id}\n`);
    return new Promise<never>(() => undefined);
  });
  process.stdout.write('ready\n');
})();
