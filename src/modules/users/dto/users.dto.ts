import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO31661Alpha2,
  IsNotEmpty,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { PASSWORD_MAX, PASSWORD_MIN } from '../password-policy';
import { ROLES, Role } from '../../../common/auth/role';
import { UserResponse } from './user.response';

const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

export class AddressDto {
  @ApiProperty({ example: '1 Main Street', maxLength: 200 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  line1!: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(200)
  line2?: string;

  @ApiProperty({ example: 'Berlin', maxLength: 100 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 100)
  city!: string;

  @ApiProperty({ example: '10115', maxLength: 20 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 20)
  postalCode!: string;

  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2' })
  @IsISO31661Alpha2()
  country!: string;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  state?: string;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: 120 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 120)
  name?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '+49 30 1234567',
    description: 'null clears it',
  })
  @ValidateIf((_o, value) => value !== null)
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9 ()./-]{3,32}$/, { message: 'phone must be a telephone number' })
  phone?: string | null;

  @ApiPropertyOptional({ type: AddressDto, nullable: true, description: 'null clears it' })
  @ValidateIf((_o, value) => value !== null)
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto | null;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX)
  currentPassword!: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  newPassword!: string;
}

export class DeleteAccountDto {
  @ApiProperty({ description: 'Your current password: a stolen access token alone cannot delete' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX)
  password!: string;
}

export class AdminUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the e-mail or name (case-insensitive)' })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

export class AdminUpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES, isArray: true, example: ['customer', 'merchant'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles?: Role[];

  @ApiPropertyOptional({ description: 'false deactivates the account and signs it out' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UserPageResponse {
  @ApiProperty({ type: UserResponse, isArray: true }) items!: UserResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
