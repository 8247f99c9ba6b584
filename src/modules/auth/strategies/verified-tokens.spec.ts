import { VerifiedTokens } from './verified-tokens';

describe('VerifiedTokens', () => {
  const exp = 1_900_000_000; // seconds

  it('answers a kept token until the second of its expiry, then forgets it', () => {
    const tokens = new VerifiedTokens<{ exp?: number; sub: string }>(10);
    tokens.add('a.b.c', { exp, sub: 'u1' });
    expect(tokens.get('a.b.c', exp * 1000 - 1)).toEqual({ exp, sub: 'u1' });
    expect(tokens.get('a.b.c', exp * 1000)).toBeUndefined();
    expect(tokens.get('a.b.c', exp * 1000 - 1)).toBeUndefined();
  });

  it('keeps no token without an expiry, and knows only exact token texts', () => {
    const tokens = new VerifiedTokens<{ exp?: number }>(10);
    tokens.add('no.exp.here', {});
    tokens.add('a.b.c', { exp });
    expect(tokens.get('no.exp.here', 0)).toBeUndefined();
    expect(tokens.get('a.b.C', 0)).toBeUndefined();
    expect(tokens.get('a.b.c ', 0)).toBeUndefined();
  });

  it('keeps the newest max tokens', () => {
    const tokens = new VerifiedTokens<{ exp?: number }>(2);
    tokens.add('t1', { exp });
    tokens.add('t2', { exp });
    tokens.add('t3', { exp });
    expect(tokens.get('t1', 0)).toBeUndefined();
    expect(tokens.get('t2', 0)).toBeDefined();
    expect(tokens.get('t3', 0)).toBeDefined();
  });
});
