import { mockNhiRecord } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { NhiRunIntake } from './intake';
import { emptyContext, testRun } from './__testUtils__/run';

function setup(evaluate = <T>(e: T) => e) {
  const { run } = testRun();
  const intake = new NhiRunIntake({
    sourceKey: 'test:unit',
    context: emptyContext(),
    evaluate,
    run,
  });
  const take = (record: any, refused?: string) =>
    intake.take({ record, redactedSecrets: [], refused });
  return { run, intake, take };
}

describe('NhiRunIntake', () => {
  it('builds a valid record into an identity, counted as what enrichment left open', () => {
    const { run, intake, take } = setup();
    const built = take(
      mockNhiRecord({
        name: 'deployer',
        owner: { value: 'nobody-knows', via: 'tag' },
      }),
    );
    expect(built?.entityRef).toMatch(/^nonhumanidentity:default\//);
    expect(intake.listed(built!.entityRef)).toBe(true);
    expect(intake.left).toEqual({ unresolved: 1, unowned: 1 });
    expect(run.counts).toMatchObject({ read: 1, invalid: 0, duplicate: 0 });
  });

  it('keeps the entity of an invalid record it can still name, and marks a scope incomplete when it cannot', () => {
    const { run, intake, take } = setup();
    const named = mockNhiRecord({ name: 'named', links: 'not a list' as any });
    expect(take(named)).toBeUndefined();
    expect(intake.kept.size).toBe(1);
    expect(take({ account: '111', name: '' })).toBeUndefined();
    expect([...intake.incompleteScopes]).toEqual(['111']);
    expect(intake.unscopedInvalid).toBe(false);
    expect(take({})).toBeUndefined();
    expect(intake.unscopedInvalid).toBe(true);
    expect(run.counts).toMatchObject({ read: 3, invalid: 3 });
    expect(run.errorCount).toBe(3);
  });

  it('refuses a record with a secret it cannot redact without keeping its entity', () => {
    const { run, intake, take } = setup();
    expect(
      take(mockNhiRecord(), 'its externalId holds a secret'),
    ).toBeUndefined();
    expect(intake.kept.size).toBe(0);
    expect(run.counts.invalid).toBe(1);
  });

  it('takes the first record of an externalId and reports the others', () => {
    const { run, take } = setup();
    expect(
      take(mockNhiRecord({ name: 'a', externalId: 'id-1' })),
    ).toBeDefined();
    expect(
      take(mockNhiRecord({ name: 'b', externalId: 'id-1' })),
    ).toBeUndefined();
    expect(run.counts.duplicate).toBe(1);
  });

  it('keeps the entity of a record that could not be built, and forgets one another source emits', () => {
    const { run, intake, take } = setup(() => {
      throw new Error('boom');
    });
    expect(take(mockNhiRecord({ name: 'broken' }))).toBeUndefined();
    expect(intake.kept.size).toBe(1);
    expect(run.counts.invalid).toBe(1);

    const other = setup();
    const built = other.take(mockNhiRecord({ name: 'shared' }))!;
    other.intake.drop(built.entityRef);
    expect(other.intake.listed(built.entityRef)).toBe(false);
  });
});
