import { AddressInfo } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  /** RCPT TO addresses of the SMTP envelope. */
  to: string[];
  parsed: ParsedMail;
  raw: Buffer;
  /** When the server accepted it (ms since the epoch). */
  receivedAt: number;
}

/**
 * A real SMTP server on loopback (npm `smtp-server`) that keeps what it accepts, parsed with
 * `mailparser`. `refuseNext(n, code)` answers the next n messages with an SMTP error after
 * their DATA, so the sender sees a refusal.
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** Every DATA received, accepted or not. */
  attempts = 0;
  private refusals: number[] = [];
  private holds: { to: string; hold: (accept: () => void) => void }[] = [];
  private waiters: (() => void)[] = [];
  private readonly server: SMTPServer;

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const hold = this.takeHold(session.envelope.rcptTo.map((r) => r.address));
          if (hold) hold(() => accept());
          else accept();
        });
        const accept = () => {
          this.attempts++;
          const code = this.refusals.shift();
          if (code !== undefined) {
            const error = new Error('Refused by the test sink') as Error & {
              responseCode: number;
            };
            error.responseCode = code;
            return callback(error);
          }
          const raw = Buffer.concat(chunks);
          const receivedAt = Date.now();
          simpleParser(raw)
            .then((parsed) => {
              this.messages.push({
                to: session.envelope.rcptTo.map((r) => r.address),
                parsed,
                raw,
                receivedAt,
              });
              callback();
              this.notify();
            })
            .catch((error: Error) => callback(error));
        };
      },
    });
    // A sender killed mid-connection (the crash suites SIGKILL workers) resets its socket, and
    // smtp-server re-emits that ECONNRESET on the server: a real SMTP server logs it and goes
    // on, and so does the sink (unlistened, it would crash the test process).
    this.server.on('error', () => undefined);
  }

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
  }

  refuseNext(count: number, code = 451): void {
    this.refusals.push(...Array<number>(count).fill(code));
  }

  /**
   * Holds the reply to the DATA of the next message to `address` (the whole message received,
   * no answer yet: the sender is inside the SMTP exchange) until `release()`, which accepts it
   * as usual, even if the sender is gone by then (a server that took a message whose client
   * never heard the 250). `arrived` resolves once the message is held.
   */
  holdNextTo(address: string): { arrived: Promise<void>; release: () => void } {
    let held: (() => void) | undefined;
    let released = false;
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    this.holds.push({
      to: address.toLowerCase(),
      hold: (accept) => {
        if (released) return accept();
        held = accept;
        arrive();
      },
    });
    return {
      arrived,
      release: () => {
        released = true;
        held?.();
      },
    };
  }

  to(address: string): SinkMessage[] {
    return this.messages.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /**
   * Resolves when a message for `address` (whose subject matches `subject`, when given) has
   * arrived (rejects after `timeoutMs`).
   */
  async waitFor(address: string, timeoutMs = 20_000, subject?: RegExp): Promise<SinkMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(address).find((m) => !subject || subject.test(m.parsed.subject ?? ''));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`No message for ${address} ${subject ?? ''} within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private takeHold(recipients: string[]): ((accept: () => void) => void) | undefined {
    const i = this.holds.findIndex((h) => recipients.includes(h.to));
    return i < 0 ? undefined : this.holds.splice(i, 1)[0].hold;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
