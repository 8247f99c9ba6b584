import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `INV-2026-000001`: the prefix, the year and the sequence on six digits (more past 999 999). */
export function documentNumber(prefix: 'INV' | 'CN', year: number, sequence: number): string {
  return `${prefix}-${year}-${String(sequence).padStart(6, '0')}`;
}

/** Where a document lives, relative to INVOICE_DIR (what the `invoices.file_path` column holds). */
export function documentPath(year: number, number: string): string {
  return `${year}/${number}.pdf`;
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes `bytes` to `path` so that readers see either no file or the whole file: a temporary
 * file in the same folder, flushed to disk, then renamed over the target (atomic on POSIX).
 * A crash leaves at most a `.tmp` file behind, never a truncated PDF.
 */
export async function writeFileAtomic(path: string, bytes: Buffer): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
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
}
