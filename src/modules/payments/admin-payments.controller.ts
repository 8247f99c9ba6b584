import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { AdminRoute } from '../../common/decorators/roles.decorator';
import { OrderDetailView } from '../orders/order-view';
import { RecordPaymentDto, RefundDto } from './dto/payments.dto';
import { PaymentsService } from './payments.service';

@ApiTags('admin: orders')
@AdminRoute()
@Controller('admin/orders')
export class AdminPaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post(':id/payments')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record money received for a manual order (bank transfer, cash on delivery)',
    description:
      'Partial amounts add up; the order becomes `paid` when they reach its total (its ' +
      'invoice is issued then and e-mailed). More than the total is recorded and flagged ' +
      '`overpaid`. Money for an order already expired or cancelled is recorded, the order ' +
      'stays as it is, and the payment becomes `refund_required` for an admin to pay back.',
  })
  @ApiOkResponse({ type: OrderDetailView })
  @ApiBadRequestResponse({ description: 'Invalid amount, reference or date' })
  @ApiNotFoundResponse({ description: 'No such order' })
  @ApiUnprocessableEntityResponse({ description: 'The order is not paid by the manual provider' })
  record(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RecordPaymentDto,
  ): Promise<OrderDetailView> {
    return this.payments.recordManualPayment(actor, id, body);
  }

  @Post(':id/refunds')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Refund an order, fully or partly, through its payment provider',
    description:
      'Without `amount`, all that is left to refund. Each refund gets a credit note for its ' +
      'amount (CN- series) when the order had been invoiced, and an e-mail to the buyer. The ' +
      'order becomes `partially_refunded`, then `refunded` when everything paid is refunded. ' +
      'Manual payments are paid back by hand (the refund is recorded with `payout: manual`).',
  })
  @ApiOkResponse({ type: OrderDetailView })
  @ApiBadRequestResponse({ description: 'Invalid amount or reason' })
  @ApiNotFoundResponse({ description: 'No such order' })
  @ApiUnprocessableEntityResponse({
    description: 'More than is left to refund, or nothing received to refund',
  })
  refund(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RefundDto,
  ): Promise<OrderDetailView> {
    return this.payments.refund(actor, id, body);
  }
}
