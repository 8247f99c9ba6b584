import { Module } from '@nestjs/common';
import { UploadsModule } from '../../src/common/uploads/uploads.module';
import { CoreModule } from '../../src/core.module';
import { MailProcessorsModule } from '../../src/modules/mail/mail-processors.module';
import { OutboxRelayModule } from '../../src/modules/queues/outbox-relay.module';
import { runWorker } from '../../src/worker';

/**
 * The production worker entry on a root module that lacks the invoices processors (what a
 * feature that forgot to add its processors' module to ProcessorsModule would ship): started
 * with WORKER_QUEUES naming the invoices queue, it must refuse to start.
 */
@Module({ imports: [CoreModule, UploadsModule, OutboxRelayModule, MailProcessorsModule] })
class MailOnlyWorkerModule {}

runWorker(MailOnlyWorkerModule);
