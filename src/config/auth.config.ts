import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { ConfigValidationError, nodeEnv, parseDurationSeconds, validateEnv } from './validate-env';

export const DEV_JWT_SECRET = 'dev-only-access-secret-change-me-in-production';

class AuthEnv {
  @IsString()
  @MinLength(16)
  JWT_ACCESS_SECRET: string = DEV_JWT_SECRET;

  @IsString()
  JWT_ACCESS_TTL: string = '15m';

  @IsString()
  REFRESH_TOKEN_TTL: string = '30d';

  /** Lifetime of the e-mailed verification link. */
  @IsString()
  EMAIL_VERIFICATION_TTL: string = '48h';

  /** Lifetime of the e-mailed password-reset link. */
  @IsString()
  PASSWORD_RESET_TTL: string = '1h';

  /** Requests per minute per IP (and per e-mail on login and forgot) on the auth routes. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  AUTH_RATE_LIMIT: number = 10;
}

export interface AuthConfig {
  accessSecret: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  emailVerificationTtlSeconds: number;
  passwordResetTtlSeconds: number;
  rateLimitPerMinute: number;
}

export function loadAuthConfig(source: NodeJS.ProcessEnv = process.env): AuthConfig {
  const raw = validateEnv(AuthEnv, source);
  const problems: string[] = [];
  const accessTtlSeconds = parseDurationSeconds(raw.JWT_ACCESS_TTL);
  const refreshTtlSeconds = parseDurationSeconds(raw.REFRESH_TOKEN_TTL);
  if (!accessTtlSeconds) problems.push('JWT_ACCESS_TTL: must be a duration such as 900, 15m or 1h');
  if (!refreshTtlSeconds) problems.push('REFRESH_TOKEN_TTL: must be a duration such as 30d');
  const emailVerificationTtlSeconds = parseDurationSeconds(raw.EMAIL_VERIFICATION_TTL);
  const passwordResetTtlSeconds = parseDurationSeconds(raw.PASSWORD_RESET_TTL);
  if (!emailVerificationTtlSeconds) {
    problems.push('EMAIL_VERIFICATION_TTL: must be a duration such as 48h');
  }
  if (!passwordResetTtlSeconds) problems.push('PASSWORD_RESET_TTL: must be a duration such as 1h');
  if (nodeEnv(source) === 'production') {
    if (raw.JWT_ACCESS_SECRET === DEV_JWT_SECRET || raw.JWT_ACCESS_SECRET.length < 32) {
      problems.push(
        'JWT_ACCESS_SECRET: set a random secret of at least 32 characters in production (the development default is refused)',
      );
    }
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return {
    accessSecret: raw.JWT_ACCESS_SECRET,
    accessTtlSeconds: accessTtlSeconds!,
    refreshTtlSeconds: refreshTtlSeconds!,
    emailVerificationTtlSeconds: emailVerificationTtlSeconds!,
    passwordResetTtlSeconds: passwordResetTtlSeconds!,
    rateLimitPerMinute: raw.AUTH_RATE_LIMIT,
  };
}

export const authConfig = registerAs('auth', () => loadAuthConfig());
