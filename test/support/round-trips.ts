import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Redis from 'ioredis';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { RedisFactory } from '../../src/redis/redis.factory';

/**
 * Counts the app's round trips to PostgreSQL: every query, simple or extended (prepared), ends
 * with one ReadyForQuery message from the server, which pg's connection emits as an event.
 * `inTransaction` counts those that left a transaction open (status `T`): the round trips a
 * transaction took besides its last.
 */
export function countRoundTrips(app: NestFastifyApplication): {
  count: () => number;
  inTransaction: () => number;
} {
  const pool = (app.get(DataSource).driver as unknown as { master: Pool }).master;
  let n = 0;
  let open = 0;
  const counted = new WeakSet<object>();
  const watch = (client: PoolClient) => {
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    if (counted.has(connection)) return;
    counted.add(connection);
    connection.on('readyForQuery', (message: { status: string }) => {
      n++;
      if (message.status === 'T') open++;
    });
  };
  for (const client of (pool as unknown as { _clients: PoolClient[] })._clients) watch(client);
  pool.on('connect', watch);
  return { count: () => n, inTransaction: () => open };
}

/**
 * Counts the statements the app has PostgreSQL parse (and so plan afresh): every unnamed one,
 * and a named (prepared) one only the first time on each connection.
 */
export function countParses(app: NestFastifyApplication): { count: () => number } {
  const pool = (app.get(DataSource).driver as unknown as { master: Pool }).master;
  let n = 0;
  const counted = new WeakSet<object>();
  const watch = (client: PoolClient) => {
    const connection = (client as unknown as { connection: { parse: (q: unknown) => void } })
      .connection;
    if (counted.has(connection)) return;
    counted.add(connection);
    const parse = connection.parse.bind(connection);
    connection.parse = (query: unknown) => {
      n++;
      parse(query);
    };
  };
  for (const client of (pool as unknown as { _clients: PoolClient[] })._clients) watch(client);
  pool.on('connect', watch);
  return { count: () => n };
}

/**
 * Counts the commands the app sends to Redis on every connection it has opened so far (the
 * app's own, Bull's): each connection's `sendCommand` is wrapped.
 */
export function countRedisCommands(app: NestFastifyApplication): { count: () => number } {
  let n = 0;
  const factory: unknown = app.get(RedisFactory);
  const { connections } = factory as { connections: Set<Redis> };
  for (const connection of connections) {
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
      n++;
      return send(...args);
    };
  }
  return { count: () => n };
}
