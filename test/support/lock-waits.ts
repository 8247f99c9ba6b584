import { DataSource } from 'typeorm';

/**
 * Until a backend of this database waits for a lock: the backend `pid`, or any but
 * `otherThan` (a backend the test does not know, such as the app's own). Polled, bounded.
 */
export async function untilWaitingForLock(
  db: DataSource,
  backend: { pid: number } | { otherThan: number },
): Promise<void> {
  const [pid, same] = 'pid' in backend ? [backend.pid, true] : [backend.otherThan, false];
  for (let tries = 0; tries < 200; tries++) {
    const [{ n }] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND (pid = $1) = $2`,
      [pid, same],
    );
    if (n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no backend ${JSON.stringify(backend)} waited for a lock`);
}
