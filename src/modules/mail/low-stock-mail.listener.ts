import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { INVENTORY_EVENTS, LowStockEvent } from '../inventory/inventory.events';
import { OutboxService } from '../queues/outbox.service';
import { jobMessages } from '../queues/queue-names';

/**
 * Queues the merchant's low-stock notice when a stock change crosses a variant's threshold.
 * The job id is the crossing movement's id, so the same crossing is one message however often
 * the event is delivered.
 */
@Injectable()
export class LowStockMailListener {
  constructor(private readonly outbox: OutboxService) {}

  // A failure is logged (suppressErrors); the stock change itself is already committed.
  @OnEvent(INVENTORY_EVENTS.lowStock)
  async onLowStock(event: LowStockEvent): Promise<void> {
    await this.outbox.add(undefined, [
      jobMessages.lowStock(
        event.variantId,
        `movement-${event.movementId}`,
        event.stock,
        event.threshold,
      ),
    ]);
  }
}
