import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { MerchantRoute } from '../../common/decorators/roles.decorator';
import { ShopResponse, UpsertShopDto } from './dto/shop.dto';
import { ShopsService } from './shops.service';

@ApiTags('catalog')
@Controller()
export class ShopsController {
  constructor(private readonly shops: ShopsService) {}

  @Put('merchant/shop')
  @MerchantRoute()
  @ApiOperation({ summary: 'Create or update the signed-in merchant’s shop' })
  @ApiOkResponse({ type: ShopResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  upsert(@CurrentUser() actor: Actor, @Body() body: UpsertShopDto): Promise<ShopResponse> {
    return this.shops.upsertMine(actor, body);
  }

  @Public()
  @Get('shops/:slug')
  @ApiOperation({ summary: 'A shop by its slug' })
  @ApiOkResponse({ type: ShopResponse })
  @ApiNotFoundResponse()
  bySlug(@Param('slug') slug: string): Promise<ShopResponse> {
    return this.shops.getBySlug(slug.slice(0, 140));
  }
}
