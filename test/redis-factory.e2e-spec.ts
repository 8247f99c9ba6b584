import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { loadRedisConfig } from '../src/config/redis.config';
import { RedisFactory } from '../src/redis/redis.factory';
import { eventually } from './support/jobs';
import { TcpProxy } from './support/tcp-proxy';

/**
 * `REDIS_DEBUG_STACKS`: a failed command's error names the code that sent it (this file), so
 * that a rejection nobody handled can be traced to its sender; off, it names ioredis alone.
 */
describe('Redis connections with REDIS_DEBUG_STACKS', () => {
  /** The stack of the error of a command the server refuses, sent through the factory. */
  async function stackOfFailedCommand(debugStacks: boolean): Promise<string> {
    const factory = new RedisFactory({ ...loadRedisConfig(), debugStacks });
    try {
      const redis = factory.create('debug-stacks-probe');
      const error = await redis.call('NO_SUCH_COMMAND').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/unknown command/i);
      return error!.stack ?? '';
    } finally {
      await factory.onApplicationShutdown();
    }
  }

  it('names the sending code in the error when on', async () => {
    expect(await stackOfFailedCommand(true)).toContain('redis-factory.e2e-spec');
  });

  it('leaves the stack to ioredis when off (the default)', async () => {
    expect(loadRedisConfig({}).debugStacks).toBe(false);
    expect(await stackOfFailedCommand(false)).not.toContain('redis-factory.e2e-spec');
  });
});

describe('a subscriber connection when Redis goes away and comes back', () => {
  const config = loadRedisConfig();
  let proxy: TcpProxy;
  let factory: RedisFactory;
  let publisher: Redis;

  beforeAll(async () => {
    proxy = await TcpProxy.inFrontOf(config.url, 6379);
    factory = new RedisFactory({ ...config, url: proxy.through(config.url) });
    publisher = new Redis(config.url);
  });

  afterAll(async () => {
    await factory.onApplicationShutdown();
    await publisher.quit();
    await proxy.stop();
  });

  /**
   * A subscriber through the proxy, made in the test itself: a rejection nobody handles on its
   * connection is then the running test's, and fails it.
   */
  async function subscribed(channel: string, received: string[]): Promise<Redis> {
    const { connection, subscribed } = factory.subscribe('resubscribe-probe', [channel], (_, m) =>
      received.push(m),
    );
    await subscribed;
    return connection;
  }

  /** How many connections the server has subscribed to `channel`. */
  async function subscribers(channel: string): Promise<number> {
    const [, count] = (await publisher.pubsub('NUMSUB', channel)) as [string, number];
    return count;
  }

  it('is subscribed again once Redis is back, and gets the messages', async () => {
    const channel = `resubscribe-probe:${randomUUID()}`;
    const received: string[] = [];
    const subscriber = await subscribed(channel, received);
    expect(await subscribers(channel)).toBe(1);

    await proxy.cut();
    await eventually(async () => (await subscribers(channel)) === 0, { what: 'the cut' });
    await proxy.restore();
    await eventually(async () => (await subscribers(channel)) === 1, { what: 'SUBSCRIBE again' });
    await publisher.publish(channel, 'after the reconnection');
    await eventually(() => Promise.resolve(received.includes('after the reconnection')), {
      what: () => `the message; received ${JSON.stringify(received)}`,
    });
    subscriber.disconnect();
  });

  // An app shut down just as its Redis came back: the new SUBSCRIBE is on the wire, unanswered,
  // when the connection is closed.
  it('rejects nothing when closed before Redis answered the new SUBSCRIBE', async () => {
    const subscriber = await subscribed(`resubscribe-probe:${randomUUID()}`, []);
    const sent = proxy.holdAnswersAfter('\r\nsubscribe\r\n');
    await proxy.cut();
    await proxy.restore();
    await sent;

    const ended = new Promise((resolve) => subscriber.once('end', resolve));
    subscriber.disconnect();
    await ended;
    // Time for Node to report a rejection nobody handled: it would fail this test.
    await new Promise((r) => setTimeout(r, 100));
    expect(subscriber.status).toBe('end');
  });
});
