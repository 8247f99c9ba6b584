import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { authConfig, AuthConfig } from '../../config';
import { RedisFactory } from '../../redis/redis.factory';
import { CartModule } from '../cart/cart.module';
import { UsersModule } from '../users/users.module';
import { authThrottlerOptions, AuthThrottlerGuard } from './auth-rate-limit';
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
  ],
  exports: [AuthService, TokenService, UserTokenService],
})
export class AuthModule {}
