import { planRemovals } from './removals';

const refs = (n: number, prefix = 'r') =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const nothingListed = () => false;

describe('planRemovals', () => {
  it('removes up to the configured share', () => {
    expect(
      planRemovals({
        candidates: refs(20),
        total: 100,
        listed: nothingListed,
        maxPercent: 20,
      }),
    ).toEqual({ remove: refs(20), hold: [] });
  });

  it('holds more than the share, and all of them whatever the share', () => {
    expect(
      planRemovals({
        candidates: refs(21),
        total: 100,
        listed: nothingListed,
        maxPercent: 20,
      }),
    ).toEqual({
      remove: [],
      hold: refs(21),
      reason:
        "the run would remove 21 of the source's 100 identities (21%, more than 20%)",
    });
    expect(
      planRemovals({
        candidates: refs(3),
        total: 3,
        listed: nothingListed,
        maxPercent: 100,
      }),
    ).toEqual({
      remove: [],
      hold: refs(3),
      reason: 'the run would remove all 3 identities of the source',
    });
  });

  it('applies a held removal when the next run agrees', () => {
    const held = { refs: new Set(refs(30)) };
    expect(
      planRemovals({
        candidates: [...refs(30), 'new-gone'],
        total: 100,
        held,
        listed: nothingListed,
        maxPercent: 20,
      }),
    ).toEqual({
      remove: [...refs(30), 'new-gone'],
      hold: [],
      applied: 'agreed',
    });
  });

  it('drops a hold once a held identity is listed again, and judges the rest anew', () => {
    const held = { refs: new Set(refs(30)) };
    const back = (ref: string) => ref === 'r0';
    const plan = planRemovals({
      candidates: refs(30).slice(1),
      total: 100,
      held,
      listed: back,
      maxPercent: 20,
    });
    expect(plan).toEqual({
      remove: [],
      hold: refs(30).slice(1),
      reason:
        "the run would remove 29 of the source's 100 identities (29%, more than 20%)",
    });
    // ... and removes them when few enough are missing
    expect(
      planRemovals({
        candidates: refs(5),
        total: 100,
        held,
        listed: back,
        maxPercent: 20,
      }),
    ).toEqual({ remove: refs(5), hold: [] });
  });

  it('keeps a hold while runs cannot read where its identities are', () => {
    const held = { refs: new Set(refs(30)) };
    expect(
      planRemovals({
        candidates: ['x0'],
        total: 100,
        held,
        listed: nothingListed,
        maxPercent: 20,
      }),
    ).toEqual({ remove: ['x0'], hold: refs(30), keep: true });
    // more missing on top: one hold of both
    const both = planRemovals({
      candidates: refs(30, 'x'),
      total: 100,
      held,
      listed: nothingListed,
      maxPercent: 20,
    });
    expect(both.remove).toEqual([]);
    expect(both.hold).toEqual([...refs(30), ...refs(30, 'x')]);
    expect(both.keep).toBeUndefined();
  });

  it('applies a confirmed removal, except identities listed again', () => {
    const held = { refs: new Set(refs(30)), confirmedBy: 'user:default/farah' };
    expect(
      planRemovals({
        candidates: refs(30).slice(1),
        total: 100,
        held,
        listed: ref => ref === 'r0',
        maxPercent: 20,
      }),
    ).toEqual({ remove: refs(30).slice(1), hold: [], applied: 'confirmed' });
  });

  it('judges what goes beyond a confirmed removal on its own', () => {
    const held = { refs: new Set(refs(10)), confirmedBy: 'user:default/farah' };
    const plan = planRemovals({
      candidates: [...refs(10), ...refs(50, 'x')],
      total: 100,
      held,
      listed: nothingListed,
      maxPercent: 20,
    });
    expect(plan.remove).toEqual(refs(10));
    expect(plan.hold).toEqual(refs(50, 'x'));
  });

  it('holds nothing when nothing is to be removed', () => {
    expect(
      planRemovals({
        candidates: [],
        total: 0,
        listed: nothingListed,
        maxPercent: 20,
      }),
    ).toEqual({ remove: [], hold: [] });
  });
});
