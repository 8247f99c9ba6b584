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
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../../common/decorators/public.decorator';
import { AdminRoute } from '../../common/decorators/roles.decorator';
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
  @Get('categories')
  @ApiOperation({ summary: 'The category tree (one query)' })
  @ApiOkResponse({ type: [CategoryNode] })
  tree(): Promise<CategoryNode[]> {
    return this.categories.tree();
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
