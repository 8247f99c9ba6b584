import { setNewest } from '../../../common/collections/set-newest';

/** What a verified access token holds that the memo needs: its expiry, in seconds. */
interface Expiring {
  exp?: unknown;
}

/**
 * The payloads of access tokens this process has verified (signature, algorithm, expiry),
 * keyed by the token's exact text, so that a client's next request with the same token skips
 * the HMAC and the decoding. An entry is used only while its token has not expired (as
 * jsonwebtoken counts it: whole seconds, expired from `exp` on); a token without `exp` is not
 * kept. The newest `max` tokens are kept. Only verification is skipped: the session check runs
 * on every request.
 */
export class VerifiedTokens<P extends Expiring> {
  private readonly payloads = new Map<string, P>();

  constructor(private readonly max: number) {}

  get(token: string, nowMs = Date.now()): P | undefined {
    const payload = this.payloads.get(token);
    if (payload === undefined) return undefined;
    if (Math.floor(nowMs / 1000) < (payload.exp as number)) return payload;
    this.payloads.delete(token);
    return undefined;
  }

  /** Call with a token that has just passed verification, and its payload. */
  add(token: string, payload: P): void {
    if (typeof payload.exp === 'number') setNewest(this.payloads, token, payload, this.max);
  }
}
