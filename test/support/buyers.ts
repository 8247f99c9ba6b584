import { JwtService } from '@nestjs/jwt';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { authConfig, AuthConfig } from '../../src/config';
import type { PostalAddress } from '../../src/common/address/postal-address';

export interface Buyer {
  id: string;
  email: string;
  auth: { authorization: string };
}

/** One live session (refresh-token family) per user id in $1; returns (user_id, family_id). */
export const LIVE_SESSIONS_SQL = `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
  SELECT id, gen_random_uuid(), encode(sha256(gen_random_uuid()::text::bytea), 'hex'),
         now() + interval '1 day'
    FROM unnest($1::uuid[]) AS t(id)
  RETURNING user_id, family_id`;

/**
 * Many customers at once: one INSERT (with a placeholder password hash nobody can log in
 * with) and a signed access token each. For load-style suites where argon2 would dominate.
 */
export async function createBuyers(
  app: NestFastifyApplication,
  count: number,
  options: { address?: PostalAddress | null } = {},
): Promise<Buyer[]> {
  const batch = randomBytes(4).toString('hex');
  const emails = Array.from({ length: count }, (_, i) => `buyer-${batch}-${i}@example.com`);
  const rows: { id: string; email: string }[] = await app.get(DataSource).query(
    `INSERT INTO users (email, password_hash, name, roles, email_verified_at, address)
     SELECT e, '!no-login', 'Buyer ' || ord, ARRAY['customer']::text[], now(), $2::jsonb
       FROM unnest($1::text[]) WITH ORDINALITY AS t(e, ord)
     RETURNING id, email`,
    [emails, options.address ? JSON.stringify(options.address) : null],
  );
  // A live session (refresh-token family) each: access tokens work only while theirs is live.
  const sessions: { user_id: string; family_id: string }[] = await app
    .get(DataSource)
    .query(LIVE_SESSIONS_SQL, [rows.map((r) => r.id)]);
  const sid = new Map(sessions.map((s) => [s.user_id, s.family_id]));
  // Signed as the auth module signs (the app holds more than one JwtService: say the secret).
  const config = app.get<AuthConfig>(authConfig.KEY);
  const jwt = new JwtService({
    secret: config.accessSecret,
    signOptions: { algorithm: 'HS256', expiresIn: config.accessTtlSeconds },
  });
  return Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      email: r.email,
      auth: {
        authorization: `Bearer ${await jwt.signAsync({ sub: r.id, roles: ['customer'], sid: sid.get(r.id) })}`,
      },
    })),
  );
}
