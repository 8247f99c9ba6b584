import { etagMatches, toPublicAnswer } from './public-answer';

describe('public answers', () => {
  it('tags equal bodies alike and different bodies differently, with a strong quoted tag', () => {
    const a = toPublicAnswer({ items: [1, 2] });
    expect(a.body.toString()).toBe('{"items":[1,2]}');
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(toPublicAnswer({ items: [1, 2] }).etag).toBe(a.etag);
    expect(toPublicAnswer({ items: [2, 1] }).etag).not.toBe(a.etag);
  });

  it('matches If-None-Match as RFC 9110 says: any listed tag, weakly, or *', () => {
    const tag = '"abc"';
    expect(etagMatches(undefined, tag)).toBe(false);
    expect(etagMatches('', tag)).toBe(false);
    expect(etagMatches('"abc"', tag)).toBe(true);
    expect(etagMatches('W/"abc"', tag)).toBe(true);
    expect(etagMatches('"x", "abc"', tag)).toBe(true);
    expect(etagMatches(' * ', tag)).toBe(true);
    expect(etagMatches('"abcd"', tag)).toBe(false);
    expect(etagMatches('abc', tag)).toBe(false);
  });
});
