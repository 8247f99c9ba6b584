import { etagMatches, representationFor, toPublicAnswer } from './public-answer';

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

  it('compresses only an answer that is kept and large enough, once per coding', () => {
    const large = { items: Array.from({ length: 40 }, (_, i) => ({ id: i, title: `Tent ${i}` })) };
    const kept = toPublicAnswer(large);
    const br = representationFor(kept, 'gzip, br');
    expect(br.coding).toBe('br');
    expect(br.body.length).toBeLessThan(kept.body.length);
    expect(representationFor(kept, 'br').body).toBe(br.body);
    expect(representationFor(kept, 'gzip').coding).toBe('gzip');
    // Built for one request: sent as is, whatever the client accepts.
    const once = toPublicAnswer(large, { compressible: false });
    expect(representationFor(once, 'gzip, br')).toBe(once);
    const small = toPublicAnswer({ items: [1, 2] });
    expect(representationFor(small, 'gzip, br')).toBe(small);
  });
});
