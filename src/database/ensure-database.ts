import { Client, type ClientConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { typeormOptions } from './typeorm-options';

/**
 * The database a URL names, and its server's maintenance database `postgres` to create or drop
 * it from. Parsed as pg parses it, so any URL the app can connect with works here too: one
 * whose server is in the query (`postgresql://postgres@/shop?host=/var/run/postgresql`, a
 * Unix socket) as well as `postgres://user@host:port/shop`.
 */
function splitUrl(url: string): { server: ClientConfig; name: string } {
  const config = parseIntoClientConfig(url);
  return { server: { ...config, database: 'postgres' }, name: config.database ?? '' };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the configured database when the server does not have it yet. */
export async function ensureDatabase(config: DatabaseConfig): Promise<boolean> {
  const { server, name } = splitUrl(config.url);
  const client = new Client(server);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    return true;
  } catch (error) {
    // Two processes creating it at once: the loser finds it there.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(config: DatabaseConfig): Promise<void> {
  const { server, name } = splitUrl(config.url);
  const client = new Client(server);
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Runs pending migrations; returns the names of those it ran. */
export async function runMigrations(config: DatabaseConfig): Promise<string[]> {
  const dataSource = new DataSource({ ...typeormOptions(config), extra: { max: 1 } });
  await dataSource.initialize();
  try {
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
