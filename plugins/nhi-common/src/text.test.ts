import { shortList } from './text';

describe('shortList', () => {
  it('names up to three and counts the rest', () => {
    expect(shortList([])).toBe('');
    expect(shortList(['a', 'b', 'c'])).toBe('a, b, c');
    expect(shortList(['a', 'b', 'c', 'd', 'e'])).toBe('a, b, c and 2 more');
  });

  it('names as many as asked', () => {
    expect(shortList(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
  });
});
