import { seededRandom } from '@backstage-nhi/plugin-nhi-common';

/**
 * A small seeded random generator (mulberry32) with the helpers the
 * generator needs: the same seed always gives the same company.
 */
export class Random {
  /** A float in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of items) {
      r -= weight;
      if (r < 0) return value;
    }
    return items[items.length - 1][0];
  }

  /** Lower-case hex of the given length. */
  hex(length: number): string {
    let s = '';
    while (s.length < length) {
      s += Math.floor(this.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    }
    return s.slice(0, length);
  }

  /** Upper-case letters and digits, like an AWS key id. */
  alnum(length: number): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let s = '';
    for (let i = 0; i < length; i++) s += chars[Math.floor(this.next() * 32)];
    return s;
  }
}
