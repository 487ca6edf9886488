import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { ClaimsStore } from './ClaimsStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
if (process.env.NHI_REQUIRE_POSTGRES && !databases.supports('POSTGRES_15')) {
  throw new Error(
    'NHI_REQUIRE_POSTGRES is set but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not',
  );
}

async function store(id: TestDatabaseId) {
  const knex = await databases.init(id);
  const s = await ClaimsStore.create({
    getClient: async () => knex,
    migrations: { skip: false },
  });
  return { s, knex };
}

/**
 * A database driver's error, matched by its message. better-sqlite3 creates
 * its errors in the realm of the first test file that loaded it, so in a
 * shared jest worker they are not `instanceof Error` here and `toThrow`
 * would call a rejection "did not throw".
 */
const dbError = (message: RegExp) => ({
  message: expect.stringMatching(message),
});

const ID = 'nonhumanidentity:default/aws-ci-deployer-12345678';
const claim = (group: string, createdBy = 'user:default/alice') => ({
  entityRef: ID,
  group,
  kind: 'claim' as const,
  justification: 'We run the CI that uses it.',
  createdBy,
});

describe.each(databases.eachSupportedId())('ClaimsStore on %p', databaseId => {
  it('records a claim and refuses a second open claim for the same group', async () => {
    const { s } = await store(databaseId);
    const c = await s.createClaim(claim('group:default/platform'));
    expect(c).toMatchObject({
      status: 'open',
      kind: 'claim',
      group: 'group:default/platform',
    });
    await expect(
      s.createClaim(claim('group:default/platform', 'user:default/bob')),
    ).rejects.toThrow(
      'group:default/platform already has an open claim for nonhumanidentity:default/aws-ci-deployer-12345678',
    );
    // another group may compete
    await s.createClaim(claim('group:default/payments', 'user:default/bob'));
    const { items, totalCount } = await s.listClaims(
      { entityRef: ID },
      { limit: 10, offset: 0 },
    );
    expect(totalCount).toBe(2);
    expect(items.map(i => i.group).sort()).toEqual([
      'group:default/payments',
      'group:default/platform',
    ]);
  });

  it('approving one claim closes the competing ones; a transfer supersedes the owner', async () => {
    const { s } = await store(databaseId);
    const a = await s.createClaim(claim('group:default/platform'));
    const b = await s.createClaim(
      claim('group:default/payments', 'user:default/bob'),
    );
    const result = await s.approveClaim({
      id: a.id,
      by: 'user:default/farah',
      comment: 'ok',
    });
    expect(result.claim).toMatchObject({
      status: 'approved',
      decidedBy: 'user:default/farah',
      comment: 'ok',
    });
    expect(result.closed.map(c => c.id)).toEqual([b.id]);
    expect((await s.getClaim(b.id))!).toMatchObject({
      status: 'closed',
      closedReason: `group:default/platform's claim ${a.id} was approved`,
    });
    await expect(
      s.approveClaim({ id: b.id, by: 'user:default/farah' }),
    ).rejects.toThrow(`claim ${b.id} is closed, not open`);
    expect((await s.currentOwner(ID))!.id).toBe(a.id);

    const t = await s.createClaim({
      ...claim('group:default/data', 'user:default/wei'),
      kind: 'transfer',
    });
    const transfer = await s.approveClaim({
      id: t.id,
      by: 'user:default/farah',
    });
    expect(transfer.superseded).toMatchObject({
      id: a.id,
      status: 'superseded',
    });
    expect((await s.currentOwner(ID))!.group).toBe('group:default/data');

    const released = await s.releaseOwnership({
      entityRef: ID,
      by: 'user:default/wei',
    });
    expect(released.status).toBe('released');
    expect(await s.currentOwner(ID)).toBeUndefined();
    await expect(
      s.releaseOwnership({ entityRef: ID, by: 'user:default/wei' }),
    ).rejects.toThrow('has no claimed owner to release');

    const { items } = await s.listAudit(ID, { limit: 50, offset: 0 });
    expect(items.map(i => i.action).reverse()).toEqual([
      'claim.created',
      'claim.created',
      'claim.closed',
      'claim.approved',
      'transfer.requested',
      'claim.superseded',
      'claim.approved',
      'ownership.released',
    ]);
  });

  it('holds one approved owner per identity in the database itself', async () => {
    const { s, knex } = await store(databaseId);
    const a = await s.createClaim(claim('group:default/platform'));
    const b = await s.createClaim(
      claim('group:default/payments', 'user:default/bob'),
    );
    await s.approveClaim({ id: a.id, by: 'user:default/farah' });
    await expect(
      knex('nhi_claims').where({ id: b.id }).update({ status: 'approved' }),
    ).rejects.toMatchObject(dbError(/unique/i));
    expect((await knex('nhi_claims').where({ id: b.id }).first()).status).toBe(
      'closed',
    );
  });

  it('keeps the audit trail append-only', async () => {
    const { s, knex } = await store(databaseId);
    await s.createClaim(claim('group:default/platform'));
    await expect(
      knex('nhi_audit').update({ actor: 'user:default/mallory' }),
    ).rejects.toMatchObject(dbError(/append-only/));
    await expect(knex('nhi_audit').delete()).rejects.toMatchObject(
      dbError(/append-only/),
    );
    expect(
      (await s.listAudit(ID, { limit: 5, offset: 0 })).items[0].actor,
    ).toBe('user:default/alice');
  });

  it('rejects and withdraws only open claims', async () => {
    const { s } = await store(databaseId);
    const a = await s.createClaim(claim('group:default/platform'));
    const rejected = await s.decideClaim({
      id: a.id,
      by: 'user:default/farah',
      status: 'rejected',
      comment: 'not yours',
    });
    expect(rejected).toMatchObject({
      status: 'rejected',
      comment: 'not yours',
    });
    await expect(
      s.decideClaim({
        id: a.id,
        by: 'user:default/alice',
        status: 'withdrawn',
      }),
    ).rejects.toThrow(`claim ${a.id} is rejected, not open`);
    // a rejected claim does not block a new one
    await s.createClaim(claim('group:default/platform'));
  });

  it('keeps one active exception per identity and rule, until it expires or is revoked', async () => {
    const { s } = await store(databaseId);
    const until = new Date(Date.now() + 30 * 86_400_000);
    const e = await s.createException({
      entityRef: ID,
      ruleId: 'NHI-SHARED-IDENTITY',
      justification: 'migration in progress',
      until,
      createdBy: 'user:default/jade',
    });
    expect(e).toMatchObject({
      status: 'active',
      ruleId: 'NHI-SHARED-IDENTITY',
    });
    await expect(
      s.createException({
        entityRef: ID,
        ruleId: 'NHI-SHARED-IDENTITY',
        justification: 'again',
        until,
        createdBy: 'user:default/jade',
      }),
    ).rejects.toThrow('NHI-SHARED-IDENTITY is already accepted on');
    expect(
      (await s.listExceptions({ activeOnly: true }, { limit: 10, offset: 0 }))
        .totalCount,
    ).toBe(1);
    const revoked = await s.revokeException({
      id: e.id,
      by: 'user:default/farah',
    });
    expect(revoked).toMatchObject({
      status: 'revoked',
      revokedBy: 'user:default/farah',
    });
    expect(
      (await s.listExceptions({ activeOnly: true }, { limit: 10, offset: 0 }))
        .totalCount,
    ).toBe(0);
    await expect(
      s.revokeException({ id: e.id, by: 'user:default/farah' }),
    ).rejects.toThrow('already revoked');
  });

  it('ends 50 simultaneous competing claims and approvals with exactly one owner and a complete audit trail', async () => {
    const { s } = await store(databaseId);
    const groups = Array.from(
      { length: 50 },
      (_, i) => `group:default/team-${i}`,
    );
    const created = await Promise.allSettled(
      groups.map((g, i) => s.createClaim(claim(g, `user:default/u${i}`))),
    );
    const claims = created
      .filter(r => r.status === 'fulfilled')
      .map(r => (r as PromiseFulfilledResult<any>).value);
    expect(claims).toHaveLength(50);
    const approvals = await Promise.allSettled(
      claims.map(c =>
        s.approveClaim({ id: c.id, by: 'user:default/reviewer' }),
      ),
    );
    const won = approvals.filter(r => r.status === 'fulfilled');
    const lost = approvals.filter(
      r => r.status === 'rejected',
    ) as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    for (const l of lost) expect(l.reason.name).toBe('ConflictError');

    const { items: all } = await s.listClaims(
      { entityRef: ID },
      { limit: 100, offset: 0 },
    );
    expect(all.filter(c => c.status === 'approved')).toHaveLength(1);
    expect(all.filter(c => c.status === 'closed')).toHaveLength(49);
    const owner = (await s.currentOwner(ID))!;
    const { items: audit } = await s.listAudit(ID, { limit: 500, offset: 0 });
    expect(audit.filter(a => a.action === 'claim.created')).toHaveLength(50);
    expect(
      audit.filter(a => a.action === 'claim.approved').map(a => a.claimId),
    ).toEqual([owner.id]);
    expect(
      new Set(
        audit.filter(a => a.action === 'claim.closed').map(a => a.claimId),
      ).size,
    ).toBe(49);
    expect(audit).toHaveLength(100);
  });
});
