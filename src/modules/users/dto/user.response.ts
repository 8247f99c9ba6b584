import { ApiProperty } from '@nestjs/swagger';
import { ROLES, Role } from '../../../common/auth/role';
import { AddressResponse } from '../../../common/address/postal-address';
import type { User } from '../entities/user.entity';

export { AddressResponse };

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty({ type: String, nullable: true, example: '/uploads/avatars/1f0c….webp' })
  avatarUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) phone!: string | null;
  @ApiProperty({ type: AddressResponse, nullable: true }) address!: AddressResponse | null;
  @ApiProperty() active!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export const AVATAR_URL_PREFIX = '/uploads/avatars/';

/** What the answer is made of: a `User` row, or the profile read with the session. */
export type UserFields = Pick<
  User,
  | 'id'
  | 'email'
  | 'name'
  | 'roles'
  | 'emailVerifiedAt'
  | 'avatarFile'
  | 'phone'
  | 'address'
  | 'active'
  | 'createdAt'
>;

export function toUserResponse(user: UserFields): UserResponse {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    emailVerified: user.emailVerifiedAt !== null,
    avatarUrl: user.avatarFile ? AVATAR_URL_PREFIX + user.avatarFile : null,
    phone: user.phone,
    address: user.address,
    active: user.active,
    createdAt: user.createdAt.toISOString(),
  };
}
