import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { AdminRoute } from '../../common/decorators/roles.decorator';
import { AdminUsersService } from './admin-users.service';
import { UserResponse } from './dto/user.response';
import { AdminUpdateUserDto, AdminUsersQueryDto, UserPageResponse } from './dto/users.dto';

@ApiTags('admin: users')
@AdminRoute()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOperation({ summary: 'List and search users, newest first' })
  @ApiOkResponse({ type: UserPageResponse })
  @ApiBadRequestResponse({ description: 'Invalid query or cursor' })
  list(@CurrentUser() actor: Actor, @Query() query: AdminUsersQueryDto): Promise<UserPageResponse> {
    return this.users.list(actor, query);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a user’s roles or (de)activate them',
    description: 'Deactivation signs the user out everywhere.',
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiBadRequestResponse({ description: 'Invalid id or fields' })
  @ApiNotFoundResponse({ description: 'No such user' })
  @ApiUnprocessableEntityResponse({
    description:
      'Removing your own admin role, deactivating yourself, or reactivating a deleted account',
  })
  update(
    @CurrentUser() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: AdminUpdateUserDto,
  ): Promise<UserResponse> {
    return this.users.update(actor, id, body);
  }
}
