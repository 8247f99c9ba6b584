import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { PdfRenderer } from './pdf-renderer';

/** Invoices and credit notes: issuing (used by the processors) and the download routes. */
@Module({
  imports: [PaymentsModule],
  controllers: [InvoicesController],
  providers: [InvoicesService, PdfRenderer],
  exports: [InvoicesService],
})
export class InvoicesModule {}
