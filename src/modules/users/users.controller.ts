import { Body, Controller, Delete, Get, HttpCode, Patch, Put, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { ApiImageUpload } from '../../common/uploads/api-image-upload.decorator';
import { readImageUpload } from '../../common/uploads/read-image-upload';
import { PasswordGuessLimit } from '../../common/http/auth-rate-limit';
import { AccountService } from './account.service';
import { UserResponse } from './dto/user.response';
import { ChangePasswordDto, DeleteAccountDto, UpdateMeDto } from './dto/users.dto';

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;

@ApiTags('users')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid access token' })
@Controller('users/me')
export class UsersController {
  constructor(private readonly account: AccountService) {}

  @Get()
  @ApiOperation({ summary: 'Your account' })
  @ApiOkResponse({ type: UserResponse })
  me(@CurrentUser() actor: Actor): Promise<UserResponse> {
    return this.account.get(actor);
  }

  @Patch()
  @ApiOperation({ summary: 'Change your name, phone or address (null clears phone/address)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  update(@CurrentUser() actor: Actor, @Body() body: UpdateMeDto): Promise<UserResponse> {
    return this.account.update(actor, body);
  }

  @Put('password')
  @PasswordGuessLimit()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change your password',
    description: 'Every other session is signed out; this one keeps working.',
  })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiBadRequestResponse({ description: 'Wrong current password, or a weak new one' })
  async changePassword(
    @CurrentUser() actor: Actor,
    @Body() body: ChangePasswordDto,
  ): Promise<void> {
    await this.account.changePassword(actor, body);
  }

  @Put('avatar')
  @ApiOperation({
    summary: 'Upload your avatar (JPEG, PNG or WebP, at most 2 MB)',
    description:
      'Re-encoded in its own format at 256 × 256 (cropped to fill), metadata stripped; replaces ' +
      '(and deletes) the previous one; served at `avatarUrl`.',
  })
  @ApiImageUpload(AVATAR_MAX_BYTES)
  @ApiOkResponse({ type: UserResponse })
  async uploadAvatar(
    @CurrentUser() actor: Actor,
    @Req() request: FastifyRequest,
  ): Promise<UserResponse> {
    return this.account.replaceAvatar(actor, await readImageUpload(request, AVATAR_MAX_BYTES));
  }

  @Delete()
  @PasswordGuessLimit()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete your account',
    description:
      'Needs your current password in the body. Personal data is erased and every session ' +
      'signed out; orders stay, with the buyer anonymised.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'Missing or wrong password' })
  async delete(@CurrentUser() actor: Actor, @Body() body: DeleteAccountDto): Promise<void> {
    await this.account.delete(actor, body.password);
  }
}
