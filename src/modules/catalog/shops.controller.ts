import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { Roles } from '../../common/decorators/roles.decorator';
import { MerchantProductQueryDto, ProductPage } from './dto/product.dto';
import { ShopResponse, UpsertShopDto } from './dto/shop.dto';
import { ProductsService } from './products.service';
import { ShopsService } from './shops.service';

@ApiTags('catalog')
@Controller()
export class ShopsController {
  constructor(
    private readonly shops: ShopsService,
    private readonly products: ProductsService,
  ) {}

  @Get('merchant/products')
  @Roles('merchant')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'The signed-in merchant’s products in any state (same filters and sorts)',
  })
  @ApiOkResponse({ type: ProductPage })
  @ApiBadRequestResponse({ description: 'Invalid filter, sort or cursor' })
  @ApiUnauthorizedResponse()
  @ApiForbiddenResponse({ description: 'Not a merchant' })
  mine(@CurrentUser() actor: Actor, @Query() query: MerchantProductQueryDto): Promise<ProductPage> {
    return this.products.listMine(actor, query);
  }

  @Put('merchant/shop')
  @Roles('merchant')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create or update the signed-in merchant’s shop' })
  @ApiOkResponse({ type: ShopResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  @ApiUnauthorizedResponse()
  @ApiForbiddenResponse({ description: 'Not a merchant' })
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
