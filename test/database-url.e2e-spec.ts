import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../src/config/database.config';
import { dropDatabase, ensureDatabase } from '../src/database/ensure-database';
import { typeormOptions } from '../src/database/typeorm-options';

/**
 * A `DATABASE_URL` that gives its server in the query instead of the authority, as a Unix
 * socket's does (`postgresql://postgres@/shop?host=/var/run/postgresql`, the usual way to reach
 * a local PostgreSQL with peer authentication): the first run creates its database and the app
 * connects with it. Here the server is the tests' own, on TCP, so that any machine can run it.
 */
describe('a DATABASE_URL with its server in the query', () => {
  const tests = new URL(loadDatabaseConfig().url);
  const name = `${tests.pathname.slice(1)}_query_host`;
  const url =
    `postgresql://${tests.username}@/${name}` +
    `?host=${tests.hostname}&port=${tests.port || '5432'}`;
  const config = { url, poolSize: 1 };

  afterAll(() => dropDatabase(config));

  it('creates its database once, and the app connects to it', async () => {
    expect(loadDatabaseConfig({ DATABASE_URL: url }).url).toBe(url);
    expect(await ensureDatabase(config)).toBe(true);
    expect(await ensureDatabase(config)).toBe(false);

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0].db).toBe(name);
    } finally {
      await client.end();
    }

    const dataSource = new DataSource(typeormOptions(config));
    await dataSource.initialize();
    try {
      const [row] = await dataSource.query<{ db: string }[]>('SELECT current_database() AS db');
      expect(row.db).toBe(name);
    } finally {
      await dataSource.destroy();
    }
  });
});
