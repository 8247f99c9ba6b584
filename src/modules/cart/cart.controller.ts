import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { ApiOptionalAuth } from '../../common/decorators/api-optional-auth.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { CartService } from './cart.service';
import { AddCartItemDto, CartItemParams, CartView, SetCartItemDto } from './dto/cart.dto';

const CART_HEADER = {
  name: 'X-Cart-Id',
  required: false,
  description:
    'A guest’s cart id (from the first add). Ignored when signed in: a bearer token selects ' +
    'the account’s cart. Malformed: 400; unknown: an empty cart.',
};

/**
 * Guests and signed-in users: the routes are public, and a valid bearer token (when sent)
 * selects the user's cart; an invalid one is a 401.
 */
@ApiTags('cart')
@ApiOptionalAuth()
@ApiHeader(CART_HEADER)
@ApiBadRequestResponse({ description: 'Invalid fields or a malformed X-Cart-Id' })
@ApiUnauthorizedResponse({ description: 'A bearer token was sent and is not valid' })
@ApiServiceUnavailableResponse({ description: 'The cart store (Redis) is unreachable' })
@Public()
@Controller('cart')
export class CartController {
  constructor(private readonly cart: CartService) {}

  @Get()
  @ApiOperation({
    summary: 'The cart, priced now',
    description:
      'Prices, titles and stock are read at every call. Lines whose variant is gone, archived, ' +
      'unpublished or short of stock are `available: false` and left out of the subtotal.',
  })
  @ApiOkResponse({ type: CartView })
  get(
    @CurrentUser() actor: Actor | undefined,
    @Headers('x-cart-id') cartId?: string,
  ): Promise<CartView> {
    return this.cart.get(this.cart.ownerOf(actor?.id, cartId));
  }

  @Post('items')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add units of a variant',
    description:
      'A guest gets the cart id in `id` and the `X-Cart-Id` response header: a new one when ' +
      'none was sent or the one sent is unknown (expired); keep the latest. The line is ' +
      'capped at CART_MAX_LINE_QUANTITY.',
  })
  @ApiOkResponse({
    type: CartView,
    headers: { 'X-Cart-Id': { description: 'The cart id', schema: { type: 'string' } } },
  })
  @ApiNotFoundResponse({ description: 'No such variant' })
  @ApiUnprocessableEntityResponse({
    description: 'The variant is archived or its product not published, or the cart is full',
  })
  async add(
    @CurrentUser() actor: Actor | undefined,
    @Body() body: AddCartItemDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('x-cart-id') cartId?: string,
  ): Promise<CartView> {
    const view = await this.cart.add(
      this.cart.ownerOf(actor?.id, cartId),
      body.variantId,
      body.quantity,
    );
    if (!actor && view.id) void reply.header('X-Cart-Id', view.id);
    return view;
  }

  @Patch('items/:variantId')
  @ApiOperation({ summary: 'Set a line’s quantity (0 removes it)' })
  @ApiOkResponse({ type: CartView })
  @ApiNotFoundResponse({ description: 'The variant is not in the cart' })
  set(
    @CurrentUser() actor: Actor | undefined,
    @Param() params: CartItemParams,
    @Body() body: SetCartItemDto,
    @Headers('x-cart-id') cartId?: string,
  ): Promise<CartView> {
    return this.cart.set(this.cart.ownerOf(actor?.id, cartId), params.variantId, body.quantity);
  }

  @Delete('items/:variantId')
  @ApiOperation({ summary: 'Remove a line (no error when it is not there)' })
  @ApiOkResponse({ type: CartView })
  remove(
    @CurrentUser() actor: Actor | undefined,
    @Param() params: CartItemParams,
    @Headers('x-cart-id') cartId?: string,
  ): Promise<CartView> {
    return this.cart.remove(this.cart.ownerOf(actor?.id, cartId), params.variantId);
  }

  @Delete()
  @ApiOperation({ summary: 'Empty the cart' })
  @ApiOkResponse({ type: CartView })
  clear(
    @CurrentUser() actor: Actor | undefined,
    @Headers('x-cart-id') cartId?: string,
  ): Promise<CartView> {
    return this.cart.clear(this.cart.ownerOf(actor?.id, cartId));
  }
}
