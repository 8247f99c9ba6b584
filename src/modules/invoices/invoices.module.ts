import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { PaymentsModule } from '../payments/payments.module';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';
import { InvoicesService } from './invoices.service';
import { PdfRenderer } from './pdf-renderer';

/**
 * Invoices and credit notes: issuing (the processors call it), the download routes, the
 * confirmation e-mail's attachment. Owns `invoices` and `invoice_counters`; reads orders
 * through OrdersRepository, refunds through PaymentsRepository. Exports InvoicesService.
 */
@Module({
  imports: [OrdersModule, PaymentsModule],
  controllers: [InvoicesController],
  providers: [InvoicesRepository, InvoicesService, PdfRenderer],
  exports: [InvoicesService],
})
export class InvoicesModule {}
