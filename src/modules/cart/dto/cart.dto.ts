import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsUUID, Max, Min } from 'class-validator';

/** Above any sane cart line; the configured per-line cap (CART_MAX_LINE_QUANTITY) applies first. */
const QUANTITY_LIMIT = 100_000;

export class AddCartItemDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  variantId!: string;

  @ApiProperty({
    minimum: 1,
    example: 2,
    description: 'Units to add; the line is capped at CART_MAX_LINE_QUANTITY',
  })
  @IsInt()
  @Min(1)
  @Max(QUANTITY_LIMIT)
  quantity!: number;
}

export class SetCartItemDto {
  @ApiProperty({
    minimum: 0,
    example: 3,
    description: 'The new quantity (capped at CART_MAX_LINE_QUANTITY); 0 removes the line',
  })
  @IsInt()
  @Min(0)
  @Max(QUANTITY_LIMIT)
  quantity!: number;
}

export class CartItemParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  variantId!: string;
}

export class CartItemView {
  @ApiProperty({ format: 'uuid' })
  variantId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, description: 'null once the variant is deleted' })
  productId!: string | null;
  @ApiProperty({ nullable: true, description: 'Current product title; null once deleted' })
  title!: string | null;
  @ApiProperty({ nullable: true })
  sku!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    example: { size: 'M', colour: 'green' },
    description: "The variant's option values, as the catalog shows them; null once deleted",
  })
  options!: Record<string, string> | null;
  @ApiProperty({ nullable: true, description: 'Current price, minor units; null once deleted' })
  unitPrice!: number | null;
  @ApiProperty()
  quantity!: number;
  @ApiProperty({ description: 'unitPrice × quantity, minor units (0 once deleted)' })
  lineTotal!: number;
  @ApiProperty({
    description:
      'false when the variant is deleted or archived, its product is not published, or the ' +
      'stock is below the quantity; such lines do not count in the subtotal and block checkout',
  })
  available!: boolean;
}

export class CartView {
  @ApiProperty({
    nullable: true,
    description:
      'The guest cart id (send it back as `X-Cart-Id`), or the user id for a signed-in cart; ' +
      'null for a guest who has no cart yet',
  })
  id!: string | null;
  @ApiProperty({ type: [CartItemView] })
  items!: CartItemView[];
  @ApiProperty({ description: 'Sum of the available lines, minor units' })
  subtotal!: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'Estimated tax on the subtotal, minor units, as checkout computes it (same pricing ' +
      'function); null when the total is above what one order can hold (checkout answers 422)',
  })
  tax!: number | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Estimated shipping, minor units (free from FREE_SHIPPING_OVER); null as tax',
  })
  shipping!: number | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'subtotal + tax + shipping: what checkout would charge now; null as tax',
  })
  total!: number | null;
  @ApiProperty({ example: 'EUR' })
  currency!: string;
}
