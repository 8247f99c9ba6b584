import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

/**
 * A loopback TCP proxy in front of a real server, which a test can cut and restore to see
 * how the app behaves when PostgreSQL or Redis goes away and comes back.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private hold?: { marker: string; seen: () => void };
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A started proxy in front of the server `url` names (its port, or `defaultPort`). */
  static inFrontOf(url: string, defaultPort: number): Promise<TcpProxy> {
    const target = new URL(url);
    return new TcpProxy(target.hostname, Number(target.port || defaultPort)).start();
  }

  /** `url` with its host and port replaced by this proxy's. */
  through(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('data', (chunk: Buffer) => {
        const hold = this.hold;
        if (!hold || !chunk.includes(hold.marker)) return;
        this.hold = undefined;
        upstream.unpipe(client);
        hold.seen();
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Refuses new connections and drops the open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * The next connection whose client sends `marker` stops getting the server's answers from
   * then on (the server seems to stall, the connection stays open). Resolves once the marker
   * has gone through to the server.
   */
  holdAnswersAfter(marker: string): Promise<void> {
    return new Promise((resolve) => (this.hold = { marker, seen: resolve }));
  }

  /** Listens again on the same port. */
  restore(): Promise<this> {
    return this.start();
  }

  stop(): Promise<void> {
    return this.cut();
  }
}
