import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

function cli(...args: string[]) {
  return run(
    join(ROOT, 'node_modules', '.bin', 'ts-node'),
    ['--transpile-only', 'src/cli.ts', ...args],
    { cwd: ROOT, env: process.env, timeout: 60_000 },
  );
}

async function rolesOf(email: string): Promise<string[] | undefined> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const res = await client.query<{ roles: string[] }>(
      'SELECT roles FROM users WHERE email = $1',
      [email],
    );
    return res.rows[0]?.roles;
  } finally {
    await client.end();
  }
}

describe('the operator CLI', () => {
  // Each case boots TypeScript entry points in child processes: slow on a busy 2-core machine.
  jest.setTimeout(180_000);

  it('creates an admin, and adds a role to an existing user', async () => {
    const email = `ops-${Date.now()}@example.com`;
    await cli(
      'user:create',
      '--email',
      email,
      '--password',
      'a-long-password-1',
      '--role',
      'admin',
    );
    expect(await rolesOf(email)).toEqual(['customer', 'admin']);

    await cli('user:create', '--email', email.toUpperCase(), '--role', 'merchant');
    expect(await rolesOf(email)).toEqual(['customer', 'admin', 'merchant']);
  });

  it('refuses a short password and creates nothing', async () => {
    const email = `weak-${Date.now()}@example.com`;
    await expect(
      cli('user:create', '--email', email, '--password', 'short', '--role', 'admin'),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--password') });
    expect(await rolesOf(email)).toBeUndefined();
  });

  it('applies the password policy (a password made of the e-mail is refused)', async () => {
    const email = `operator-${Date.now()}@example.com`;
    await expect(
      cli('user:create', '--email', email, '--password', `${email}-x`, '--role', 'admin'),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('must not contain your e-mail'),
    });
    expect(await rolesOf(email)).toBeUndefined();
  });

  it('applies the API policy: 10 characters are enough, a common password is refused', async () => {
    const email = `policy-${Date.now()}@example.com`;
    await expect(
      cli('user:create', '--email', email, '--password', 'password12', '--role', 'admin'),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('most common passwords') });
    expect(await rolesOf(email)).toBeUndefined();
    await cli('user:create', '--email', email, '--password', 'tq8#vLm2pZ', '--role', 'admin');
    expect(await rolesOf(email)).toEqual(['customer', 'admin']);
  });

  it('refuses an unknown role', async () => {
    await expect(
      cli(
        'user:create',
        '--email',
        'x@example.com',
        '--password',
        'a-long-password-1',
        '--role',
        'root',
      ),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--role') });
  });
});
