/** What `pipeline.ts` uses of pg's own helpers (pg 8.23.1, pinned): how a value is sent. */
declare module 'pg/lib/utils' {
  /** A value as pg binds it: text (arrays, JSON, dates as PostgreSQL reads them), bytes or null. */
  export function prepareValue(value: unknown): Buffer | string | null | undefined;
}
