import type { Outgoing, Statement } from '../../src/database/pipeline';

/** A statement to send whose rows are read back as they come. */
export function plainStatement<T>(statement: Statement | string): Outgoing<T[]> {
  return {
    statement: typeof statement === 'string' ? { text: statement } : statement,
    read: (rows) => rows as T[],
  };
}
