/** A UUID as PostgreSQL reads one: 32 hex digits in groups of 8-4-4-4-12, of any version. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in its canonical text form (of any version). */
export function isUuidText(value: string): boolean {
  return UUID.test(value);
}
