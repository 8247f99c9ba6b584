import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { Roles } from '../../common/decorators/roles.decorator';
import { OrderListQueryDto, OrderPage } from './dto/orders.dto';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@Controller('merchant/orders')
export class MerchantOrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  @Roles('merchant')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Orders holding the merchant’s products, with only those lines, newest first',
    description: 'Totals stay the whole order’s. A merchant without a shop gets an empty list.',
  })
  @ApiOkResponse({ type: OrderPage })
  @ApiBadRequestResponse({ description: 'Unknown status, invalid limit or cursor' })
  @ApiUnauthorizedResponse()
  @ApiForbiddenResponse({ description: 'Not a merchant' })
  list(@CurrentUser() actor: Actor, @Query() query: OrderListQueryDto): Promise<OrderPage> {
    return this.orders.listForMerchant(actor, query);
  }
}
