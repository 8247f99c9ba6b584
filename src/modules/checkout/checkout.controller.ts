import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { OrderView } from '../orders/order-view';
import { CheckoutService } from './checkout.service';
import { CheckoutDto } from './dto/checkout.dto';

@ApiTags('checkout')
@ApiBearerAuth()
@Controller('checkout')
export class CheckoutController {
  constructor(private readonly checkouts: CheckoutService) {}

  @Post()
  @ApiOperation({
    summary: 'Place an order from the cart',
    description:
      'Prices and titles are snapshotted and totals computed; then one transaction takes ' +
      'the stock (never below 0) and writes the order awaiting payment, its payment and the ' +
      'how-to-pay e-mail job; then the ordered items leave the cart and the payment starts. ' +
      'A repeated `Idempotency-Key` with the same body answers the first order (200, ' +
      '`Idempotent-Replayed: true`) for 24 hours.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '1-255 printable ASCII characters, unique per checkout attempt',
  })
  @ApiCreatedResponse({
    type: OrderView,
    description: 'The order placed',
    headers: { Location: { description: 'The order’s URL', schema: { type: 'string' } } },
  })
  @ApiOkResponse({
    type: OrderView,
    description: 'The order first placed with this key (replayed)',
    headers: { 'Idempotent-Replayed': { description: '`true`', schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ description: 'Invalid fields, or a missing/malformed Idempotency-Key' })
  @ApiUnauthorizedResponse()
  @ApiConflictResponse({
    description:
      'Not enough stock (`shortLines`), an item no longer for sale (`unavailableLines`), the ' +
      'key used with another body, or the key still in use (retry with it); nothing was changed',
  })
  @ApiUnprocessableEntityResponse({ description: 'The cart is empty, or no shipping address' })
  @ApiServiceUnavailableResponse({
    description:
      'The cart store (Redis) or the payment provider is unreachable, or (a replay) the ' +
      'first request is still starting the payment, or PostgreSQL failed the checkout three ' +
      'times as a deadlock’s victim (nothing was changed); retry after `Retry-After` seconds',
  })
  async checkout(
    @CurrentUser() actor: Actor,
    @Body() body: CheckoutDto,
    @Res() reply: FastifyReply,
    @Headers('idempotency-key') key?: string,
  ): Promise<void> {
    const { order, replayed } = await this.checkouts.checkout(actor, key, body);
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    // The same prefix as the order view's invoice URL (see loadOrderViews).
    void reply.header('Location', `/api/v1/orders/${order.id}`);
    void reply.status(replayed ? 200 : 201).send(order);
  }
}
