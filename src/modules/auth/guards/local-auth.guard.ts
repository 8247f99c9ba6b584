import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { createValidationPipe } from '../../../common/http/validation.pipe';
import { LoginDto } from '../dto/auth.dto';

/** passport-local, after the body has been validated (so a malformed login is a 400). */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  private readonly pipe = createValidationPipe();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ body: unknown }>();
    request.body = await this.pipe.transform(request.body ?? {}, {
      type: 'body',
      metatype: LoginDto,
    });
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    // Any error, not only `instanceof Error`: a socket error made outside this realm (e.g. the
    // database unreachable) is not one in every runtime, and must reach the problem filter.
    if (error) throw error as Error;
    return user;
  }
}
