import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The temp files this process is writing right now (never removed by `removeTempsOf`). */
const writing = new Set<string>();

/** The part of a temp file's name that names its writer (a job id, say): 12 hex digits. */
const writerTag = (writer: string) =>
  createHash('sha256').update(writer).digest('hex').slice(0, 12);

/**
 * Writes `bytes` to `path` so that readers see either no file or the whole file: a temporary
 * file in the same folder, flushed to disk, then renamed over the target (atomic on POSIX).
 * A crash leaves at most a `.<name>.<random>.tmp` file behind, never a truncated file; with a
 * `writer` (`.<name>.<writer tag>.<random>.tmp`) that writer's next run finds and removes it
 * (`removeTempsOf`).
 */
export async function writeFileAtomic(path: string, bytes: Buffer, writer?: string): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const tag = writer === undefined ? '' : `${writerTag(writer)}.`;
  const temp = join(folder, `.${basename(path)}.${tag}${randomBytes(6).toString('hex')}.tmp`);
  writing.add(temp);
  try {
    const handle = await open(temp, 'wx', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  } finally {
    writing.delete(temp);
  }
}

/**
 * Removes the temporary files that `writer`'s earlier writes of `path` left behind (it was
 * killed between writing and renaming). Only the same writer's, and none this process is
 * writing: another writer's temp file may be a write in progress. Call it where the same
 * writer does not run in another process at the same time (a job's retry: Bull runs one
 * attempt of a job id at a time; an attempt Bull wrongly took for dead at worst fails its
 * rename and leaves the job to the live attempt). Returns how many it removed.
 */
export async function removeTempsOf(path: string, writer: string): Promise<number> {
  const prefix = `.${basename(path)}.${writerTag(writer)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const stale = names.filter(
    (name) =>
      name.startsWith(prefix) && name.endsWith('.tmp') && !writing.has(join(dirname(path), name)),
  );
  await Promise.all(stale.map((name) => unlink(join(dirname(path), name)).catch(() => undefined)));
  return stale.length;
}
