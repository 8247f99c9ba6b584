import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { MerchantOrAdminRoute } from '../../common/decorators/roles.decorator';
import { MerchantOrdersQueryDto, OrderPage } from './dto/orders.dto';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@Controller('merchant/orders')
export class MerchantOrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  @MerchantOrAdminRoute()
  @ApiOperation({
    summary: 'Orders holding the merchant’s products, with only those lines, newest first',
    description:
      'Totals stay the whole order’s. A merchant without a shop gets an empty list. ' +
      'Admins name the shop with `shopId`.',
  })
  @ApiOkResponse({ type: OrderPage })
  @ApiBadRequestResponse({
    description: 'Unknown status, invalid limit, cursor or shopId; an admin without shopId',
  })
  @ApiNotFoundResponse({ description: 'No such shop (or not the merchant’s own)' })
  list(@CurrentUser() actor: Actor, @Query() query: MerchantOrdersQueryDto): Promise<OrderPage> {
    return this.orders.listForMerchant(actor, query);
  }
}
