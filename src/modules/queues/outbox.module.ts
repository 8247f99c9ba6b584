import { Global, Module } from '@nestjs/common';
import { OutboxService } from './outbox.service';

/** Global: any module may write outbox rows in its own transactions. */
@Global()
@Module({
  providers: [OutboxService],
  exports: [OutboxService],
})
export class OutboxModule {}
