import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendPublic } from '../../common/http/public-answer';
import { CachedPublicRead } from './cached-public-reads';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { MerchantOrAdminRoute, MerchantRoute } from '../../common/decorators/roles.decorator';
import { ApiImageUpload } from '../../common/uploads/api-image-upload.decorator';
import {
  CreateProductDto,
  ManagedVariantResponse,
  MerchantProductQueryDto,
  ProductPage,
  ProductQueryDto,
  ProductResponse,
  UpdateProductDto,
  UpdateVariantDto,
  VariantInputDto,
} from './dto/product.dto';
import { readImageUpload } from '../../common/uploads/read-image-upload';
import { PRODUCT_IMAGE_MAX_BYTES, ProductsService } from './products.service';

/** A route on one product for its shop's merchant or an admin, with the 403 and 404 it answers. */
const OwnerRoute = () =>
  applyDecorators(
    MerchantOrAdminRoute('Not a merchant or admin, or another shop’s product'),
    ApiNotFoundResponse({ description: 'No such product (or not visible to you)' }),
  );

@ApiTags('catalog')
@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Public()
  @CachedPublicRead()
  @Get()
  @ApiOperation({
    summary: 'Published products: search, filters, sorts, keyset pages',
    description:
      'One SQL statement per page whatever the limit. Carries a strong `ETag` and a public ' +
      '`Cache-Control`; a request whose `If-None-Match` holds the current ETag gets 304. Sent ' +
      'compressed (brotli or gzip) when `Accept-Encoding` allows; each form has its own ETag. ' +
      'Concurrent requests for the same page share one query, each sent after they arrived: ' +
      'a completed catalog write always shows.',
  })
  @ApiOkResponse({ type: ProductPage })
  @ApiResponse({ status: 304, description: 'Not modified (`If-None-Match` matched)' })
  @ApiBadRequestResponse({ description: 'Invalid filter, sort or cursor' })
  async list(
    @Query() query: ProductQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    return sendPublic(reply, await this.products.list(query, reply.request.url));
  }

  @Public()
  @CachedPublicRead()
  @Get(':idOrSlug')
  @ApiOperation({
    summary: 'A product by id or slug, with its variants',
    description:
      'Drafts and archived products are visible to their owner and admins only. Asked without ' +
      'a token, the answer carries a strong `ETag` and a public `Cache-Control`, and a request ' +
      'whose `If-None-Match` holds the current ETag gets 304, and it is sent compressed (brotli ' +
      'or gzip) when `Accept-Encoding` allows and it is large enough.',
  })
  @ApiOkResponse({ type: ProductResponse })
  @ApiResponse({ status: 304, description: 'Not modified (`If-None-Match` matched)' })
  @ApiNotFoundResponse()
  async get(
    @CurrentUser() actor: Actor | undefined,
    @Param('idOrSlug') idOrSlug: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductResponse | Buffer | string> {
    if (actor) return this.products.get(actor, idOrSlug);
    return sendPublic(reply, await this.products.getPublic(idOrSlug, reply.request.url));
  }

  @Post()
  @MerchantOrAdminRoute('Not a merchant or admin, or another merchant’s shop')
  @ApiOperation({ summary: 'Create a product with its variants (in the merchant’s shop)' })
  @ApiCreatedResponse({ type: ProductResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields, unknown category or shop' })
  @ApiConflictResponse({ description: 'A SKU is taken' })
  @ApiUnprocessableEntityResponse({ description: 'The merchant has no shop yet' })
  create(@CurrentUser() actor: Actor, @Body() body: CreateProductDto): Promise<ProductResponse> {
    return this.products.create(actor, body);
  }

  @Patch(':id')
  @OwnerRoute()
  @ApiOperation({ summary: 'Update a product (owner merchant or admin); the slug stays' })
  @ApiOkResponse({ type: ProductResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields or unknown category' })
  update(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateProductDto,
  ): Promise<ProductResponse> {
    return this.products.update(actor, id, body);
  }

  @Delete(':id')
  @OwnerRoute()
  @ApiOperation({ summary: 'Archive a product (owner merchant or admin)' })
  @ApiOkResponse({ type: ProductResponse })
  archive(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ProductResponse> {
    return this.products.archive(actor, id);
  }

  @Post(':id/variants')
  @OwnerRoute()
  @ApiOperation({ summary: 'Add a variant; its stock is the initial level' })
  @ApiCreatedResponse({ type: ManagedVariantResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  @ApiConflictResponse({ description: 'The SKU is taken' })
  addVariant(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: VariantInputDto,
  ): Promise<ManagedVariantResponse> {
    return this.products.addVariant(actor, id, body);
  }

  @Patch(':id/variants/:variantId')
  @OwnerRoute()
  @ApiOperation({
    summary: 'Update a variant',
    description: 'Stock is refused here: use POST /inventory/adjustments.',
  })
  @ApiOkResponse({ type: ManagedVariantResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields (including `stock`)' })
  @ApiConflictResponse({ description: 'The SKU is taken' })
  @ApiUnprocessableEntityResponse({ description: 'Archiving the last live variant' })
  updateVariant(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('variantId', ParseUUIDPipe) variantId: string,
    @Body() body: UpdateVariantDto,
  ): Promise<ManagedVariantResponse> {
    return this.products.updateVariant(actor, id, variantId, body);
  }

  @Post(':id/images')
  @OwnerRoute()
  @ApiOperation({
    summary: 'Add an image (at most 8 per product)',
    description:
      'Re-encoded in its own format, metadata stripped, fitted into 2000 × 2000 px, with a ' +
      '400 px thumbnail (`thumbnails`, same order as `images`).',
  })
  @ApiImageUpload(PRODUCT_IMAGE_MAX_BYTES)
  @ApiCreatedResponse({ type: ProductResponse })
  @ApiUnprocessableEntityResponse({ description: 'The product already has 8 images' })
  async addImage(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<ProductResponse> {
    return this.products.addImage(
      actor,
      id,
      await readImageUpload(request, PRODUCT_IMAGE_MAX_BYTES),
    );
  }
}

/** The signed-in merchant's own products, at /merchant/products. */
@ApiTags('catalog')
@Controller('merchant/products')
export class MerchantProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @MerchantRoute()
  @ApiOperation({
    summary: 'The signed-in merchant’s products in any state (same filters and sorts)',
  })
  @ApiOkResponse({ type: ProductPage })
  @ApiBadRequestResponse({ description: 'Invalid filter, sort or cursor' })
  mine(@CurrentUser() actor: Actor, @Query() query: MerchantProductQueryDto): Promise<ProductPage> {
    return this.products.listMine(actor, query);
  }
}
