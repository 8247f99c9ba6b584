import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/decorators/public.decorator';
import { AdminRoute } from '../../common/decorators/roles.decorator';
import { sendPublic } from '../../common/http/public-answer';
import { CachedPublicRead } from './cached-public-reads';
import { CategoriesService } from './categories.service';
import {
  CategoryNode,
  CategoryResponse,
  CreateCategoryDto,
  UpdateCategoryDto,
} from './dto/category.dto';

@ApiTags('catalog')
@Controller()
export class CategoriesController {
  constructor(private readonly categories: CategoriesService) {}

  @Public()
  @CachedPublicRead()
  @Get('categories')
  @ApiOperation({
    summary: 'The category tree (one query)',
    description:
      'Carries a strong `ETag` and a public `Cache-Control`; a request whose `If-None-Match` ' +
      'holds the current ETag gets 304. Sent compressed (brotli or gzip) when `Accept-Encoding` ' +
      'allows and the answer is large enough; each form has its own ETag.',
  })
  @ApiOkResponse({ type: [CategoryNode] })
  @ApiResponse({ status: 304, description: 'Not modified (`If-None-Match` matched)' })
  async tree(@Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | string> {
    return sendPublic(reply, await this.categories.tree(reply.request.url));
  }

  @Post('admin/categories')
  @AdminRoute()
  @ApiOperation({ summary: 'Create a category (admin)' })
  @ApiCreatedResponse({ type: CategoryResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields or unknown parent' })
  create(@Body() body: CreateCategoryDto): Promise<CategoryResponse> {
    return this.categories.create(body);
  }

  @Patch('admin/categories/:id')
  @AdminRoute()
  @ApiOperation({ summary: 'Rename or move a category (admin)' })
  @ApiOkResponse({ type: CategoryResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields, unknown parent or a cycle' })
  @ApiNotFoundResponse()
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateCategoryDto,
  ): Promise<CategoryResponse> {
    return this.categories.update(id, body);
  }

  @Delete('admin/categories/:id')
  @AdminRoute()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an empty category (admin)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'It still has subcategories or products' })
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.categories.remove(id);
  }
}
