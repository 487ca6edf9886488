import { seededRandom } from './random';

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, another for another', () => {
    const take = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 5 }, () => random());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)[0]).toBe(0.6011037519201636);
    expect(take(43)).not.toEqual(take(42));
  });

  it('stays within [0, 1)', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const r = random();
      expect(r >= 0 && r < 1).toBe(true);
    }
  });
});
