import { Engine } from 'json-rules-engine';
import {
  atLeastPercentOperator,
  atMostPercentOperator,
  parsePercent,
} from './operators';

async function atLeastPercent(fact: unknown, value: unknown) {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator(atLeastPercentOperator);
  engine.addRule({
    conditions: {
      all: [{ fact: 'ownershipCoverage', operator: 'atLeastPercent', value }],
    },
    event: { type: 'pass' },
  });
  const { events } = await engine.run(
    fact === undefined ? {} : { ownershipCoverage: fact },
  );
  return events.length === 1;
}

describe('atLeastPercent', () => {
  it('passes at or above the threshold', async () => {
    expect(await atLeastPercent(90, 90)).toBe(true);
    expect(await atLeastPercent(100, 90)).toBe(true);
    expect(await atLeastPercent(0, 0)).toBe(true);
  });

  it('fails below the threshold', async () => {
    expect(await atLeastPercent(89.99, 90)).toBe(false);
    expect(await atLeastPercent(0, 1)).toBe(false);
  });

  it('takes the threshold as a percentage string', async () => {
    expect(await atLeastPercent(90, '90%')).toBe(true);
    expect(await atLeastPercent(89, '90 %')).toBe(false);
    expect(await atLeastPercent(75, '75')).toBe(true);
  });

  it('fails closed on a fact that is not a percentage', async () => {
    // A retriever writing a 0–1 fraction, a string, nothing at all.
    expect(await atLeastPercent(0.95, 90)).toBe(false);
    expect(await atLeastPercent(150, 90)).toBe(false);
    expect(await atLeastPercent('95', 90)).toBe(false);
    expect(await atLeastPercent(null, 0)).toBe(false);
    expect(await atLeastPercent(undefined, 0)).toBe(false);
  });

  it('fails closed on a threshold that is not a percentage', async () => {
    expect(await atLeastPercent(100, 'ninety')).toBe(false);
    expect(await atLeastPercent(100, 900)).toBe(false);
    expect(await atLeastPercent(100, -1)).toBe(false);
    expect(await atLeastPercent(100, null)).toBe(false);
  });
});

describe('parsePercent', () => {
  it.each([
    [90, 90],
    ['90%', 90],
    [' 12.5 % ', 12.5],
    [0.9, 0.9],
    ['', undefined],
    ['%', undefined],
    [true, undefined],
    [Number.NaN, undefined],
  ])('%p → %p', (input, expected) => {
    expect(parsePercent(input)).toBe(expected);
  });
});

describe('atMostPercent', () => {
  async function atMostPercent(fact: unknown, value: unknown) {
    const engine = new Engine([], { allowUndefinedFacts: true });
    engine.addOperator(atMostPercentOperator);
    engine.addRule({
      conditions: {
        all: [{ fact: 'dormantShare', operator: 'atMostPercent', value }],
      },
      event: { type: 'pass' },
    });
    const { events } = await engine.run(
      fact === undefined ? {} : { dormantShare: fact },
    );
    return events.length === 1;
  }

  it('passes at or below the threshold, fails above', async () => {
    expect(await atMostPercent(10, 10)).toBe(true);
    expect(await atMostPercent(0, '10%')).toBe(true);
    expect(await atMostPercent(10.01, 10)).toBe(false);
    expect(await atMostPercent(100, 99)).toBe(false);
  });

  it('fails closed on what is not a percentage', async () => {
    expect(await atMostPercent(undefined, 10)).toBe(false);
    expect(await atMostPercent(-1, 10)).toBe(false);
    expect(await atMostPercent('5', 10)).toBe(false);
    expect(await atMostPercent(5, 'ten')).toBe(false);
    expect(await atMostPercent(5, 101)).toBe(false);
  });
});
