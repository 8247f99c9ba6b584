import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
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

/**
 * The temp file of `writer`'s writes of `path` (`.<name>.<writer tag>.tmp`, the tag 12 hex
 * digits of the writer's name): one known name per writer, so that the writer's next run
 * removes what a killed run left with one unlink, never a scan of the folder.
 */
function writerTemp(path: string, writer: string): string {
  const tag = createHash('sha256').update(writer).digest('hex').slice(0, 12);
  return join(dirname(path), `.${basename(path)}.${tag}.tmp`);
}

/**
 * Writes `bytes` to `path` so that readers see either no file or the whole file: a temporary
 * file in the same folder, flushed to disk, then renamed over the target (atomic on POSIX).
 * A crash leaves at most a temporary file behind, never a truncated file. With a `writer` the
 * temporary file is that writer's own (`removeTempsOf` finds it, and the writer's next write
 * replaces it); without one, or while this process is already writing the writer's own (the
 * same writer twice at once), it is `.<name>.<random>.tmp`, left to the start-up sweep.
 */
export async function writeFileAtomic(path: string, bytes: Buffer, writer?: string): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const own = writer === undefined ? undefined : writerTemp(path, writer);
  const temp =
    own && !writing.has(own)
      ? own
      : join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  writing.add(temp);
  try {
    const handle = await openFresh(temp, temp === own);
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

/** Creates `temp`; a writer's own name still there is what its killed run left: replaced. */
async function openFresh(temp: string, replaceLeftover: boolean) {
  try {
    return await open(temp, 'wx', 0o640);
  } catch (error) {
    if (!replaceLeftover || (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await unlink(temp);
    return open(temp, 'wx', 0o640);
  }
}

/**
 * Removes the temporary file that `writer`'s earlier write of `path` left behind (it was killed
 * between writing and renaming): one unlink of the writer's own name, unless this process is
 * writing it now. Call it where the same writer does not run in another process at the same
 * time (a job's retry: Bull runs one attempt of a job id at a time; an attempt Bull wrongly took
 * for dead at worst fails its rename and leaves the job to the live attempt). Returns how many
 * it removed (0 or 1).
 */
export async function removeTempsOf(path: string, writer: string): Promise<number> {
  const temp = writerTemp(path, writer);
  if (writing.has(temp)) return 0;
  try {
    await unlink(temp);
    return 1;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
