import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/common/auth/role';
import { UsersService } from '../../src/modules/users/users.service';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** `{ authorization: 'Bearer …' }` for app.inject. */
  auth: { authorization: string };
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@example.com`;
}

/** Creates a user with `role` (customers only have `customer`) and signs in through the API. */
export async function createUser(
  app: NestFastifyApplication,
  role: Role = 'customer',
  email = uniqueEmail(role),
): Promise<TestUser> {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await app.get(UsersService).createOrGrant({ email, password, name: `Test ${role}`, role });
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return {
    id: body.user.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    auth: { authorization: `Bearer ${body.accessToken}` },
  };
}
