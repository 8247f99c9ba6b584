import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from './support/test-app';
import { uniqueEmail } from './support/users';

/**
 * A job a change causes commits with the change or not at all. Proven by construction: the
 * outbox write is made to fail (a constraint on this run's own database) after the change's
 * other rows were written, and nothing of the change may remain.
 */
describe('outbox rows commit with the change that causes them', () => {
  let app: NestFastifyApplication;
  let db: DataSource;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
  });
  afterAll(() => app.close());

  /** Runs `fn` while the outbox refuses rows named `name` (the refusal is a database error). */
  async function whileOutboxRefuses<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await db.query(
      `ALTER TABLE outbox ADD CONSTRAINT test_refuse_job CHECK (name <> '${name}') NOT VALID`,
    );
    try {
      return await fn();
    } finally {
      await db.query(`ALTER TABLE outbox DROP CONSTRAINT test_refuse_job`);
    }
  }

  const register = (email: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'a fine long passphrase', name: 'Atomic' },
    });

  it('registration: no account, token or e-mail row is left when the e-mail job cannot be written', async () => {
    const email = uniqueEmail('atomic');
    const counts = async () =>
      (
        await db.query(
          `SELECT (SELECT count(*)::int FROM users) AS users,
                  (SELECT count(*)::int FROM user_tokens) AS tokens,
                  (SELECT count(*)::int FROM outbox) AS outbox`,
        )
      )[0];
    const before = await counts();
    const failed = await whileOutboxRefuses('verify-email', () => register(email));
    expect(failed.statusCode).toBe(500);
    expect(await db.query(`SELECT id FROM users WHERE email = $1`, [email])).toEqual([]);
    expect(await counts()).toEqual(before);

    // The same registration goes through afterwards: account, one token, one e-mail row.
    const ok = await register(email);
    expect(ok.statusCode).toBe(201);
    const userId = ok.json().user.id as string;
    const [{ tokens }] = await db.query(
      `SELECT count(*)::int AS tokens FROM user_tokens WHERE user_id = $1`,
      [userId],
    );
    expect(tokens).toBe(1);
    const rows = await db.query(
      `SELECT name FROM outbox WHERE payload->>'userId' = $1 AND name = 'verify-email'`,
      [userId],
    );
    expect(rows).toEqual([{ name: 'verify-email' }]);
  });
});
