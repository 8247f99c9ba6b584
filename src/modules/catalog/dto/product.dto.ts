import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  ValidationOptions,
  registerDecorator,
} from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { IsIdOrSlug } from '../../../common/validation/id-or-slug';
import { PRODUCT_STATUSES, ProductStatus } from '../catalog-types';
import { CategoryRef } from './category.dto';
import { ShopRef, trimmed } from './shop.dto';

export const MAX_PRICE = 100_000_000;
export const MAX_VARIANTS = 100;
export const MAX_IMAGES = 8;
export const PRODUCT_SORTS = ['relevance', 'newest', 'price', '-price', 'rating'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Option values such as `{ "size": "M" }`: up to 10 keys, string values of 1-50 characters. */
function IsOptionMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOptionMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: 'options must map up to 10 names (1-30 characters) to strings of 1-50 characters',
        ...options,
      },
      validator: {
        validate: (value: unknown) => {
          if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return (
            entries.length <= 10 &&
            entries.every(
              ([k, v]) =>
                k.length >= 1 &&
                k.length <= 30 &&
                typeof v === 'string' &&
                v.length >= 1 &&
                v.length <= 50,
            )
          );
        },
      },
    });
}

export class VariantInputDto {
  @ApiProperty({ example: 'TENT-2P-GRN', description: 'Unique across the store' })
  @Matches(SKU, { message: 'sku must be 1-64 letters, digits, dot, dash or underscore' })
  sku!: string;

  @ApiPropertyOptional({ example: { size: 'M', colour: 'green' }, type: Object })
  @IsOptional()
  @IsOptionMap()
  options?: Record<string, string>;

  @ApiProperty({ description: 'Minor units', example: 12999, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE)
  price!: number;

  @ApiProperty({ description: 'Initial stock on hand (an adjustment movement)', minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  stock!: number;

  @ApiPropertyOptional({ minimum: 0, default: 5 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  lowStockThreshold?: number;
}

/** Stock is not here on purpose: it changes only through inventory adjustments and orders. */
export class UpdateVariantDto extends PartialType(
  OmitType(VariantInputDto, ['stock', 'lowStockThreshold']),
) {
  /** Declared here: unchanged when omitted (the create default does not apply). */
  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  lowStockThreshold?: number;

  @ApiPropertyOptional({ description: 'Archived variants are hidden and cannot be bought' })
  @IsOptional()
  @IsBoolean()
  archived?: boolean;
}

export class CreateProductDto {
  @ApiProperty({ example: 'Two-person tent', maxLength: 140 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 140)
  title!: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  categoryId?: string;

  @ApiPropertyOptional({ type: Object, example: { material: 'nylon', weightGrams: 1800 } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, default: 'draft' })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Admins only: the shop to create the product in',
  })
  @IsOptional()
  @IsUUID()
  shopId?: string;

  @ApiProperty({ type: [VariantInputDto], minItems: 1, maxItems: MAX_VARIANTS })
  @ValidateNested({ each: true })
  @Type(() => VariantInputDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_VARIANTS)
  variants!: VariantInputDto[];
}

/** The product's own fields; variants change one by one, the shop never. */
export class UpdateProductDto extends PartialType(
  OmitType(CreateProductDto, ['variants', 'shopId', 'status']),
) {
  @ApiPropertyOptional({ description: 'The slug does not change' })
  override title?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  override description?: string;

  /** Declared here: unchanged when omitted (the create default does not apply). */
  @ApiPropertyOptional({ enum: PRODUCT_STATUSES })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;
}

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ProductQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Full-text search on title and description', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({
    description: 'A category by id or slug, its descendants included',
    example: 'tents',
  })
  @IsOptional()
  @IsIdOrSlug()
  category?: string;

  @ApiPropertyOptional({ description: 'A shop by id or slug', example: 'alpine-outfitters' })
  @IsOptional()
  @IsIdOrSlug()
  shop?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_PRICE,
    description: 'Some variant costs at least this',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE)
  minPrice?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_PRICE,
    description: 'Some variant costs at most this',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE)
  maxPrice?: number;

  @ApiPropertyOptional({ description: 'true: only products with a variant in stock' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  inStock?: boolean;

  @ApiPropertyOptional({
    enum: PRODUCT_SORTS,
    description: 'Default: relevance with `q`, newest without (relevance without `q` is newest)',
  })
  @IsOptional()
  @IsIn(PRODUCT_SORTS)
  sort?: ProductSort;
}

export class MerchantProductQueryDto extends ProductQueryDto {
  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, description: 'Default: every status' })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;
}

export class VariantResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() sku!: string;
  @ApiProperty({ type: Object, example: { size: 'M' } }) options!: Record<string, string>;
  @ApiProperty({ description: 'Minor units' }) price!: number;
  @ApiProperty({ description: 'Stock on hand (may lag a few seconds; checkout is authoritative)' })
  stock!: number;
  @ApiProperty() inStock!: boolean;
}

export class ManagedVariantResponse extends VariantResponse {
  @ApiProperty() lowStockThreshold!: number;
  @ApiProperty() archived!: boolean;
}

class RatingSummary {
  @ApiProperty({ description: 'Mean rating, 2 decimals; 0 without reviews' }) average!: number;
  @ApiProperty() count!: number;
}

class PriceRange {
  @ApiProperty() min!: number;
  @ApiProperty() max!: number;
}

export class ProductResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: CategoryRef, nullable: true }) category!: CategoryRef | null;
  @ApiProperty({ type: ShopRef }) shop!: ShopRef;
  @ApiProperty({ type: [String], description: 'Image URLs' }) images!: string[];
  @ApiProperty({ type: [String], description: '400 px thumbnail URLs, in the order of `images`' })
  thumbnails!: string[];
  @ApiProperty({ type: Object }) attributes!: Record<string, unknown>;
  @ApiProperty({ enum: PRODUCT_STATUSES }) status!: ProductStatus;
  @ApiProperty({ type: RatingSummary }) rating!: RatingSummary;
  @ApiProperty({ type: [VariantResponse] }) variants!: VariantResponse[];
  @ApiProperty({ type: PriceRange }) priceRange!: PriceRange;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ProductPage {
  @ApiProperty({ type: [ProductResponse] }) items!: ProductResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
