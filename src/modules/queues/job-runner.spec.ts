import { loadQueueConfig } from '../../config/queue.config';
import { JobRunner, QueueHandlers } from './job-runner';
import { OutboxService } from './outbox.service';
import { QueueName } from './queue-names';
import { QueueRegistry } from './queue-registry';

describe('JobRunner at bootstrap', () => {
  const runnerFor = (workerQueues: QueueName[]) =>
    new JobRunner(
      new QueueRegistry([]),
      { ...loadQueueConfig({}), workerQueues },
      {} as OutboxService,
    );
  const done = () => Promise.resolve();

  it('refuses to start when a consumed queue has a job name without a handler, and names them', () => {
    const runner = runnerFor(['mail', 'invoices']);
    // What a table built around the type system (a cast, a spread of the wrong object) can do.
    const incomplete = {
      'verify-email': done,
      'password-reset': done,
      'order-confirmation': done,
      'payment-instructions': done,
      'refund-issued': done,
      'order-status': done,
    } as unknown as QueueHandlers<'mail'>;
    runner.register('mail', incomplete);
    expect(runner.missingHandlers()).toEqual([
      'mail:low-stock',
      'invoices:invoice',
      'invoices:credit-note',
    ]);
    expect(() => runner.onApplicationBootstrap()).toThrow(
      'Refusing to start: no handler for the job(s) mail:low-stock, invoices:invoice, ' +
        'invoices:credit-note of the queues this process consumes (WORKER_QUEUES=mail,invoices)',
    );
  });

  it('does not compile a handler table that misses a job of its queue', () => {
    // @ts-expect-error: 'credit-note' has no handler
    const table: QueueHandlers<'invoices'> = { invoice: done };
    expect(Object.keys(table)).toEqual(['invoice']);
  });

  it('checks only the queues the process consumes', () => {
    const runner = runnerFor(['invoices']);
    runner.register('invoices', { invoice: done, 'credit-note': done });
    expect(runner.missingHandlers()).toEqual([]);
  });

  it('refuses a second handler table for the same queue', () => {
    const runner = runnerFor(['invoices']);
    runner.register('invoices', { invoice: done, 'credit-note': done });
    expect(() => runner.register('invoices', { invoice: done, 'credit-note': done })).toThrow(
      'Queue "invoices" has two handler tables',
    );
  });
});
