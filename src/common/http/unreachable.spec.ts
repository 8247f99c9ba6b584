import { isConcurrencyFailure, isUniqueViolation } from './unreachable';

describe('PostgreSQL failures read from the driver, or through TypeORM', () => {
  const driver = (fields: object) => Object.assign(new Error('failed'), fields);
  const typeorm = (fields: object) =>
    Object.assign(new Error('query failed'), { driverError: driver(fields) });

  it('knows a unique violation, and of which constraint', () => {
    for (const wrap of [driver, typeorm]) {
      const taken = wrap({ code: '23505', constraint: 'checkout_requests_pkey' });
      expect(isUniqueViolation(taken)).toBe(true);
      expect(isUniqueViolation(taken, 'checkout_requests_pkey')).toBe(true);
      expect(isUniqueViolation(taken, 'users_email_key')).toBe(false);
      expect(isUniqueViolation(wrap({ code: '23503' }))).toBe(false);
    }
    expect(isUniqueViolation(undefined)).toBe(false);
  });

  it('knows a deadlock victim and a serialization failure', () => {
    for (const wrap of [driver, typeorm]) {
      expect(isConcurrencyFailure(wrap({ code: '40P01' }))).toBe(true);
      expect(isConcurrencyFailure(wrap({ code: '40001' }))).toBe(true);
      expect(isConcurrencyFailure(wrap({ code: '23505' }))).toBe(false);
    }
  });
});
