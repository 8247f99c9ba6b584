/**
 * Runs the lookups of concurrent callers as one: while a batch is on the wire, the keys asked
 * meanwhile wait for the next batch, sent as soon as the first one answers (about `maxBatch`
 * keys each; one caller's keys are never split). Each caller so gets an answer read after it
 * asked, as its own lookup would be, and a busy process sends about one batch per round trip
 * instead of one lookup per call. A caller alone is sent at once, without waiting for company.
 *
 * `run` answers the keys in their order (one value per key; a key may come more than once);
 * when it fails, every caller of that batch gets its error, and the next batch is still sent.
 */
export class CoalescedBatch<K, V> {
  private readonly waiting: Waiter<K, V>[] = [];
  private sending = false;

  constructor(
    private readonly run: (keys: K[]) => Promise<V[]>,
    private readonly maxBatch = 256,
  ) {}

  load(key: K): Promise<V> {
    return this.loadAll([key]).then((values) => values[0]);
  }

  /** The values of `keys`, all read by the same batch (so comparable with one another). */
  loadAll(keys: K[]): Promise<V[]> {
    return new Promise<V[]>((resolve, reject) => {
      this.waiting.push({ keys, resolve, reject });
      if (!this.sending) this.send();
    });
  }

  private send(): void {
    let taken = 0;
    let size = 0;
    while (
      taken < this.waiting.length &&
      (taken === 0 || size + this.waiting[taken].keys.length <= this.maxBatch)
    ) {
      size += this.waiting[taken].keys.length;
      taken++;
    }
    const batch = this.waiting.splice(0, taken);
    if (batch.length === 0) {
      this.sending = false;
      return;
    }
    this.sending = true;
    const keys = batch.flatMap((waiter) => waiter.keys);
    // Called at once; an async wrapper so that a `run` that throws rejects like one that fails.
    const answer = (async () => this.run(keys))();
    answer
      .then(
        (values) => {
          let at = 0;
          for (const waiter of batch) {
            waiter.resolve(values.slice(at, at + waiter.keys.length));
            at += waiter.keys.length;
          }
        },
        (error: unknown) => batch.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => this.send());
  }
}

interface Waiter<K, V> {
  keys: K[];
  resolve(values: V[]): void;
  reject(error: unknown): void;
}
