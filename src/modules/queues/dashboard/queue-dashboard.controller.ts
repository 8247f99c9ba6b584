import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../../common/decorators/public.decorator';
import { AuthRateLimit } from '../../auth/auth-rate-limit';
import { AuthService } from '../../auth/auth.service';
import { DashboardLoginDto } from './dashboard-login.dto';
import { DASHBOARD_SESSION_SECONDS, QueueDashboardAuth } from './queue-dashboard-auth';

/** Session cookie for the Bull Board UI at /admin/queues (a browser cannot send a bearer token). */
@ApiTags('operations')
@Controller('admin/queues')
export class QueueDashboardController {
  constructor(
    private readonly dashboard: QueueDashboardAuth,
    private readonly auth: AuthService,
  ) {}

  @Public()
  @AuthRateLimit({ perEmail: true })
  @Post('login')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Open a queue dashboard session (admins)',
    description:
      'Send an admin access token, or an admin e-mail and password. Sets an HttpOnly, ' +
      `SameSite=Strict session cookie (Secure in production) for /admin/queues, valid ` +
      `${DASHBOARD_SESSION_SECONDS / 60} minutes; then open /admin/queues in the browser.`,
  })
  @ApiNoContentResponse({ description: 'Session cookie set' })
  @ApiBadRequestResponse({ description: 'Neither a token nor an e-mail and password' })
  @ApiUnauthorizedResponse({ description: 'Invalid token or credentials' })
  @ApiForbiddenResponse({ description: 'Not an admin' })
  async login(
    @Body() body: DashboardLoginDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const user = body.accessToken
      ? await this.dashboard.adminFromAccessToken(body.accessToken)
      : await this.auth
          .validateCredentials(body.email!, body.password!)
          .then((u) => this.dashboard.requireAdmin(u.id));
    void reply.header('set-cookie', await this.dashboard.sessionCookie(user));
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the queue dashboard session (clears its cookie)' })
  @ApiNoContentResponse({ description: 'Cookie cleared' })
  logout(@Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', this.dashboard.clearedCookie());
  }
}
