import { isConcurrencyFailure } from '../common/http/unreachable';

/** Runs of a transaction in all, the first included. */
const ATTEMPTS = 3;

/**
 * Runs `transaction` (a whole one: nothing of a failed run is kept) again when PostgreSQL failed
 * it for concurrent ones, a deadlock's victim or a serialization failure, up to ATTEMPTS runs in
 * all, after a short random pause so that the transactions of one cycle do not meet again at
 * once. PostgreSQL's manual asks this of applications; a request so never fails for a cycle it
 * met by chance, e.g. checkouts queued on one popular variant. What still fails is a 503
 * (`toProblem`).
 */
export async function retryConcurrencyFailures<T>(transaction: () => Promise<T>): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await transaction();
    } catch (error) {
      if (run >= ATTEMPTS || !isConcurrencyFailure(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * run));
    }
  }
}
