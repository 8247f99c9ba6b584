import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { redisConfig, RedisConfig } from '../config';

export type BullClientType = 'client' | 'subscriber' | 'bclient';

/**
 * The one place that opens Redis connections. Every connection it makes is closed when the
 * application shuts down.
 */
@Injectable()
export class RedisFactory implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisFactory.name);
  private readonly connections = new Set<Redis>();

  constructor(@Inject(redisConfig.KEY) readonly config: RedisConfig) {}

  /** A connection whose keys are all under `<REDIS_PREFIX>:`. */
  create(name: string, options: RedisOptions = {}): Redis {
    return this.open(name, {
      keyPrefix: `${this.config.prefix}:`,
      maxRetriesPerRequest: 3,
      ...options,
    });
  }

  /**
   * A connection subscribed to `channels` (named in full: no `keyPrefix`) whenever it is
   * connected, each message handed to `onMessage`; closed with the others at shutdown.
   * `subscribed` settles with the first SUBSCRIBE; a later one that fails is logged, and the
   * next reconnection tries again.
   *
   * It subscribes on every 'ready' itself, not through ioredis' `autoResubscribe`: that one
   * sends the SUBSCRIBE of a reconnection in a promise nobody holds, which rejected "Connection
   * is closed." unhandled when the connection was closed before Redis answered (an app shut
   * down just as its Redis came back).
   */
  subscribe(
    name: string,
    channels: string[],
    onMessage: (channel: string, message: string) => void,
  ): { connection: Redis; subscribed: Promise<void> } {
    const connection = this.open(name, { maxRetriesPerRequest: null, autoResubscribe: false });
    connection.on('message', onMessage);
    let settled = false;
    const subscribed = new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        if (settled) {
          if (error) this.logger.warn(`Redis connection "${name}": SUBSCRIBE: ${error.message}`);
          return;
        }
        settled = true;
        if (error) reject(error);
        else resolve();
      };
      connection.on('ready', () => {
        connection.subscribe(...channels).then(() => settle(), settle);
      });
      connection.once('end', () => {
        if (!settled) settle(new Error('Connection closed before subscribing'));
      });
    });
    return { connection, subscribed };
  }

  /** Bull refuses `keyPrefix`; it takes its own `prefix` instead (see the Bull root config). */
  createForBull(type: BullClientType): Redis {
    const blocking = type !== 'client';
    return this.open(`bull:${type}`, {
      maxRetriesPerRequest: blocking ? null : 3,
      enableReadyCheck: !blocking,
    });
  }

  /** Every connection: named `<REDIS_PREFIX>:<name>` on the server, tracked for shutdown. */
  private open(name: string, options: RedisOptions): Redis {
    return this.track(
      new Redis(this.config.url, {
        connectionName: `${this.config.prefix}:${name}`,
        showFriendlyErrorStack: this.config.debugStacks,
        ...options,
      }),
      name,
    );
  }

  private track(connection: Redis, name: string): Redis {
    connection.on('error', (error: Error) =>
      this.logger.warn(`Redis connection "${name}": ${error.message}`),
    );
    // Kept even after an 'end': Bull reconnects its blocking client when a queue closes
    // (to abort BRPOPLPUSH), and with our createClient it never closes that client itself.
    this.connections.add(connection);
    return connection;
  }

  async onApplicationShutdown(): Promise<void> {
    const open = [...this.connections].filter((c) => c.status !== 'end');
    await Promise.all(open.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
