import { BadRequestError } from '../errors/domain-errors';
import { isUuidText } from '../text/uuid';

/** Default and largest page sizes of every list (`?limit=1..100`, default 20). */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A keyset cursor: the last row's sort key and id, as base64url JSON. Opaque to clients; the
 * sort it belongs to is inside so a cursor cannot be replayed against another order.
 */
export interface KeysetCursor {
  /** Name of the order the cursor was made for. */
  s: string;
  /** The last row's sort value (as text, exact), or null for an id-only order. */
  v: string | null;
  id: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/**
 * What a cursor's sort value must look like for the column it is compared with, so that a
 * forged value is a 400 and never reaches PostgreSQL as a failing cast.
 */
export type CursorValueKind = 'text' | 'integer' | 'number' | 'timestamp';

const INT32 = /^-?\d{1,10}$/;
const DECIMAL = /^-?\d{1,20}(\.\d{1,20})?(e-?\d{1,2})?$/i;
const ANY_TIMESTAMP = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d(:?\d\d)?)?$/;

/** PostgreSQL's `timestamptz::text` (`2026-01-02 03:04:05.123456+00`) as ISO 8601 for Date.parse. */
const isoOf = (value: string) =>
  value
    .replace(' ', 'T')
    .replace(/([+-]\d\d)(:?)(\d\d)?$/, (_m, h: string, _c, m?: string) => `${h}:${m ?? '00'}`);

function fits(value: string, kind: CursorValueKind): boolean {
  switch (kind) {
    case 'text':
      return true;
    case 'integer':
      return INT32.test(value) && Math.abs(Number(value)) <= 2_147_483_647;
    case 'number':
      return DECIMAL.test(value) && Number.isFinite(Number(value));
    case 'timestamp':
      return ANY_TIMESTAMP.test(value) && Number.isFinite(Date.parse(isoOf(value)));
  }
}

/** Decodes a cursor made for `sort` whose value fits `kind`; anything else is a 400. */
export function decodeCursor(
  raw: string,
  sort: string,
  kind: CursorValueKind = 'text',
): KeysetCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const c = parsed as Partial<KeysetCursor> | null;
  if (
    !c ||
    typeof c !== 'object' ||
    c.s !== sort ||
    typeof c.id !== 'string' ||
    !isUuidText(c.id) ||
    !(c.v === null || (typeof c.v === 'string' && c.v.length <= 64 && fits(c.v, kind)))
  ) {
    throw invalid();
  }
  return { s: c.s, v: c.v, id: c.id };
}

function invalid(): BadRequestError {
  return new BadRequestError('The cursor is not valid for this list; start again without it.');
}

/** Cuts a `limit + 1` fetch into a page, building the cursor from the last row kept. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  cursorOf: (row: R) => KeysetCursor,
): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return {
    items: kept.map(map),
    nextCursor: more ? encodeCursor(cursorOf(kept[kept.length - 1])) : null,
  };
}

/**
 * SQL giving a `timestamptz` column as exact UTC text (microseconds): the `v` of a cursor over
 * a newest-first list, so that keyset pages never skip or repeat a row.
 */
export const timestampKey = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** Decodes a cursor made by `timestampKey` for `sort`; anything else is a 400. */
export function decodeTimestampCursor(raw: string, sort: string): { at: string; id: string } {
  const { v, id } = decodeCursor(raw, sort);
  if (!v || !TIMESTAMP.test(v)) throw invalid();
  return { at: v, id };
}
