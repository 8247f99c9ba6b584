import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CreateReviewDto, ReviewPage, ReviewResponse } from './dto/review.dto';
import { ReviewsService } from './reviews.service';

/** A product's reviews (under the product's path; the reviews module owns them). */
@ApiTags('catalog')
@Controller('products')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Public()
  @Get(':id/reviews')
  @ApiOperation({ summary: 'Reviews of a product, newest first' })
  @ApiOkResponse({ type: ReviewPage })
  @ApiBadRequestResponse({ description: 'Invalid cursor or limit' })
  @ApiNotFoundResponse()
  listReviews(
    @CurrentUser() actor: Actor | undefined,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() page: PageQueryDto,
  ): Promise<ReviewPage> {
    return this.reviews.list(actor, id, page);
  }

  @Post(':id/reviews')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Review a product you bought (once)' })
  @ApiCreatedResponse({ type: ReviewResponse })
  @ApiBadRequestResponse({ description: 'Invalid rating or comment too long' })
  @ApiUnauthorizedResponse()
  @ApiForbiddenResponse({ description: 'You have not bought this product' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'You already reviewed it' })
  createReview(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CreateReviewDto,
  ): Promise<ReviewResponse> {
    return this.reviews.create(actor, id, body);
  }
}
