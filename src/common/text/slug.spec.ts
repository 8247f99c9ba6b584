import { slugCandidates, slugify } from './slug';

describe('slugify', () => {
  it('keeps letters and digits, joins the rest with single dashes', () => {
    expect(slugify('  Two-Person Tent (Grün) 2000!  ')).toBe('two-person-tent-grun-2000');
  });

  it('never returns an empty slug', () => {
    expect(slugify('***')).toBe('item');
  });

  it('offers the base first, then suffixed candidates', () => {
    const [first, second] = [...slugCandidates('Tent')];
    expect(first).toBe('tent');
    expect(second).toMatch(/^tent-[0-9a-f]{6}$/);
  });
});
