import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { authConfig, AuthConfig } from '../../config';
import { RedisFactory } from '../../redis/redis.factory';
import { CartModule } from '../cart/cart.module';
import { USER_SESSIONS, UserSessions } from '../users/user-sessions';
import { UsersModule } from '../users/users.module';
import { authThrottlerOptions, AuthThrottlerGuard } from '../../common/http/auth-rate-limit';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { RefreshToken } from './entities/refresh-token.entity';
import { UserToken } from './entities/user-token.entity';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { RolesGuard } from './guards/roles.guard';
import { JwtStrategy } from './strategies/jwt.strategy';
import { LocalStrategy } from './strategies/local.strategy';
import { TokenService } from './token.service';
import { UserTokenService } from './user-token.service';

/**
 * Sign-in, sessions (refresh_tokens) and e-mailed links (user_tokens); the users table is the
 * users module's, written through UsersService. Global: it provides the app-wide guards and
 * USER_SESSIONS, the port through which the users module ends sessions (users never imports
 * auth).
 */
@Global()
@Module({
  imports: [
    UsersModule,
    CartModule,
    PassportModule,
    TypeOrmModule.forFeature([RefreshToken, UserToken]),
    ThrottlerModule.forRootAsync({
      inject: [authConfig.KEY, RedisFactory],
      useFactory: authThrottlerOptions,
    }),
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: AuthConfig) => ({
        secret: config.accessSecret,
        signOptions: { algorithm: 'HS256', expiresIn: config.accessTtlSeconds },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenService,
    UserTokenService,
    AuthThrottlerGuard,
    JwtStrategy,
    LocalStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    {
      provide: USER_SESSIONS,
      inject: [TokenService, UserTokenService],
      useFactory: (tokens: TokenService, links: UserTokenService): UserSessions => ({
        revokeAll: (userId, manager, keepSessionId) =>
          tokens.revokeAllOf(userId, manager, keepSessionId),
        revokeLinks: (userId, manager) => links.revokeAllOf(userId, manager),
      }),
    },
  ],
  exports: [AuthService, TokenService, UserTokenService, USER_SESSIONS],
})
export class AuthModule {}
