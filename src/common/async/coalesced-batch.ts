/**
 * Runs the lookups of concurrent callers as one: while a batch is on the wire, the keys asked
 * meanwhile wait for the next batch, sent as soon as the first one answers (at most `maxBatch`
 * keys each). Each caller so gets an answer read after it asked, as its own lookup would be,
 * and a busy process sends about one batch per round trip instead of one lookup per call. A
 * caller alone is sent at once, without waiting for company.
 *
 * `run` answers the keys in their order (one value per key); when it fails, every caller of
 * that batch gets its error, and the next batch is still sent.
 */
export class CoalescedBatch<K, V> {
  private readonly waiting: Waiter<K, V>[] = [];
  private sending = false;

  constructor(
    private readonly run: (keys: K[]) => Promise<V[]>,
    private readonly maxBatch = 256,
  ) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (!this.sending) this.send();
    });
  }

  private send(): void {
    const batch = this.waiting.splice(0, this.maxBatch);
    if (batch.length === 0) {
      this.sending = false;
      return;
    }
    this.sending = true;
    const keys = batch.map((waiter) => waiter.key);
    // Called at once; an async wrapper so that a `run` that throws rejects like one that fails.
    const answer = (async () => this.run(keys))();
    answer
      .then(
        (values) => batch.forEach((waiter, i) => waiter.resolve(values[i])),
        (error: unknown) => batch.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => this.send());
  }
}

interface Waiter<K, V> {
  key: K;
  resolve(value: V): void;
  reject(error: unknown): void;
}
