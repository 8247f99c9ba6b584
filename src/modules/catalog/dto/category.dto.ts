import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Length, ValidateIf } from 'class-validator';
import { trimmed } from './shop.dto';

export class CreateCategoryDto {
  @ApiProperty({ example: 'Tents', maxLength: 80 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 80)
  name!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The parent category; omit for a root' })
  @IsOptional()
  @IsUUID()
  parentId?: string;
}

export class UpdateCategoryDto extends PartialType(OmitType(CreateCategoryDto, ['parentId'])) {
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Move under another category; null makes it a root',
  })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsUUID()
  parentId?: string | null;
}

export class CategoryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) parentId!: string | null;
}

export class CategoryNode {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ type: () => [CategoryNode] }) children!: CategoryNode[];
}

export class CategoryRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
}
