import { Module } from '@nestjs/common';
import { CoreModule } from './core.module';
import { MailProcessorsModule } from './modules/mail/mail-processors.module';
import { InvoiceProcessorsModule } from './modules/invoices/invoice-processors.module';
import { OutboxRelayModule } from './modules/queues/outbox-relay.module';
import { PaymentProcessorsModule } from './modules/payments/payment-processors.module';

/**
 * The queue processors, the outbox relay and the drain on shutdown. Registered only here: the
 * worker process imports this module, and the API imports it only when RUN_WORKERS=true.
 *
 * How a feature adds its processors:
 * - it keeps them in a module of its own (e.g. `InvoiceProcessorsModule` in
 *   `src/modules/invoices/`), whose providers are the processors and what they need; the
 *   feature's ordinary module (controllers, services) never lists a processor;
 * - that module is added to `imports` below (one line), nowhere else;
 * - a queue's jobs are named, with their payload's fields, in the job contract
 *   (`JOB_CONTRACT` in `queue-names.ts`); its processor registers the queue's handler table
 *   (`QueueHandlers<queue>`: one handler per job name, a missing one does not compile) with
 *   `JobRunner` in `onModuleInit`. JobRunner takes the jobs (one '*' handler per queue, so
 *   WORKER_CONCURRENCY bounds the queue), checks each job's name and payload against the
 *   contract first, and refuses to start when a queue in WORKER_QUEUES has a job without a
 *   handler;
 * - a handler is safe to run twice (a retry, a stalled job re-run after a crash) and throws to
 *   fail the attempt: Bull retries with exponential backoff (JOB_ATTEMPTS, JOB_BACKOFF_MS),
 *   then keeps the job as failed (`npm run cli -- jobs:retry-failed --queue <name>`); a job
 *   that can never succeed (unknown name, invalid payload, the order it is about is gone)
 *   fails once, logged at error level, never retried: the runner does that for the first two,
 *   a handler throws `UnrecoverableJobError` for the others;
 * - follow-up jobs are written through `OutboxService.add(manager, ...)` in the handler's
 *   transaction, never added to Bull directly.
 */
@Module({
  imports: [
    CoreModule,
    OutboxRelayModule,
    MailProcessorsModule,
    InvoiceProcessorsModule,
    PaymentProcessorsModule,
  ],
})
export class ProcessorsModule {}

/** Root of the worker process: no HTTP, only the processors. */
@Module({
  imports: [CoreModule, ProcessorsModule],
})
export class WorkerModule {}
