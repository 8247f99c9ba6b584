import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../common/decorators/public.decorator';
import { WebhookAnswer } from './dto/payments.dto';
import { PaymentsService, WebhookResult } from './payments.service';

/** Provider webhooks: no user, the signature over the raw body is the authentication. */
@ApiTags('payments')
@Public()
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post('stripe/webhook')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Stripe webhook (payment_intent.succeeded, payment_intent.payment_failed, charge.refunded)',
    description:
      'The `Stripe-Signature` header is verified against the raw body with ' +
      '`STRIPE_WEBHOOK_SECRET`. Each event is stored by its id (a duplicate is answered 200 and ' +
      'does nothing) and applied in one transaction with the order locked.',
  })
  @ApiOkResponse({ type: WebhookAnswer, description: 'Handled, or already seen' })
  @ApiBadRequestResponse({ description: 'The signature does not verify: nothing changed' })
  @ApiNotFoundResponse({ description: 'Stripe is not enabled (PAYMENT_PROVIDERS)' })
  stripe(@Req() req: RawBodyRequest<FastifyRequest>): Promise<WebhookResult> {
    return this.payments.handleWebhook('stripe', req.rawBody, req.headers);
  }

  @Post(':provider/webhook')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A payment provider’s webhook',
    description:
      'Verified against the raw body by the provider named in the path, then handled as the ' +
      'Stripe route. `manual`: a bank-statement importer posts `{ id, type: ' +
      '"payment.succeeded" | "payment.refunded", reference: <order number>, amount, currency, ' +
      'occurredAt? }` with `X-Payment-Signature: sha256=<HMAC-SHA256 of the body with ' +
      'PAYMENT_MANUAL_WEBHOOK_SECRET>` (404 while that secret is unset).',
  })
  @ApiParam({ name: 'provider', enum: ['manual', 'stripe'] })
  @ApiOkResponse({ type: WebhookAnswer, description: 'Handled, or already seen' })
  @ApiBadRequestResponse({ description: 'The signature does not verify: nothing changed' })
  @ApiNotFoundResponse({ description: 'No such provider enabled, or it takes no webhooks' })
  webhook(
    @Param('provider') provider: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
  ): Promise<WebhookResult> {
    return this.payments.handleWebhook(provider, req.rawBody, req.headers);
  }
}
