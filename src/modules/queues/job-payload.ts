import { isUUID } from 'class-validator';

/** One payload field: what it must be, and the check that proves it. */
export interface Field<T> {
  readonly expected: string;
  is(value: unknown): value is T;
}

/** A job payload's shape: its fields by name (every field is required). */
export type PayloadSchema = Readonly<Record<string, Field<unknown>>>;

/** The TypeScript type a schema describes. */
export type PayloadOf<S extends PayloadSchema> = {
  -readonly [P in keyof S]: S[P] extends Field<infer T> ? T : never;
};

const make = <T>(expected: string, is: (value: unknown) => boolean): Field<T> => ({
  expected,
  is: is as (value: unknown) => value is T,
});

/** The field kinds job payloads use (payloads carry ids, never copies of rows). */
export const field = {
  uuid: make<string>('a UUID', (v) => typeof v === 'string' && isUUID(v)),
  /** A bigserial id, as the decimal string JSON keeps exactly. */
  serialId: make<string>('a positive integer id as a string', (v) => {
    return typeof v === 'string' && /^[1-9]\d{0,18}$/.test(v);
  }),
  text: make<string>('a non-empty string', (v) => typeof v === 'string' && v.length > 0),
  int: make<number>('an integer', (v) => Number.isSafeInteger(v)),
  oneOf: <const T extends readonly string[]>(values: T): Field<T[number]> =>
    make<T[number]>(`one of ${values.join(', ')}`, (v) => values.includes(v as string)),
};

export type ParsedPayload<T> = { ok: true; payload: T } | { ok: false; reason: string };

/**
 * Checks a job's data against its schema: every field present and of its kind. Fields the
 * schema does not name are dropped (a newer producer may add some). The one check every
 * processor runs before a handler sees a payload (see JobRunner).
 */
export function parsePayload<S extends PayloadSchema>(
  schema: S,
  data: unknown,
): ParsedPayload<PayloadOf<S>> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, reason: 'the payload is not an object' };
  }
  const payload: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, kind] of Object.entries(schema)) {
    const value = (data as Record<string, unknown>)[name];
    if (kind.is(value)) payload[name] = value;
    else problems.push(`${name} must be ${kind.expected}`);
  }
  if (problems.length) return { ok: false, reason: `invalid payload: ${problems.join('; ')}` };
  return { ok: true, payload: payload as PayloadOf<S> };
}
