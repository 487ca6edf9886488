import { DAY } from '@backstage-nhi/plugin-nhi-common';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { ClaimsStore } from './ClaimsStore';

const migrationsDir = resolvePackagePath(
  '@backstage-nhi/plugin-nhi-backend',
  'migrations',
);

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
    const until = new Date(Date.now() + 30 * DAY);
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

  it('remembers where a transfer would take an identity from, and lists it for both groups', async () => {
    const { s } = await store(databaseId);
    const a = await s.createClaim(claim('group:default/payments'));
    await s.approveClaim({ id: a.id, by: 'user:default/farah' });
    const t = await s.createClaim({
      ...claim('group:default/shipping', 'user:default/sam'),
      kind: 'transfer',
      fromGroup: 'group:default/payments',
    });
    expect(t.fromGroup).toBe('group:default/payments');
    expect((await s.getClaim(t.id))!.fromGroup).toBe('group:default/payments');
    const involving = (group: string) =>
      s
        .listClaims(
          { involvingGroups: [group], statuses: ['open'] },
          { limit: 10, offset: 0 },
        )
        .then(r => r.items.map(c => c.id));
    expect(await involving('group:default/payments')).toEqual([t.id]);
    expect(await involving('group:default/shipping')).toEqual([t.id]);
    expect(await involving('group:default/data')).toEqual([]);
    const { items } = await s.listAudit(ID, { limit: 1, offset: 0 });
    expect(items[0]).toMatchObject({
      action: 'transfer.requested',
      details: {
        group: 'group:default/shipping',
        from: 'group:default/payments',
      },
    });
  });

  it('refuses an approval decided about another owner than the one it finds, and changes nothing', async () => {
    const { s, knex } = await store(databaseId);
    const a = await s.createClaim(claim('group:default/payments'));
    await s.approveClaim({ id: a.id, by: 'user:default/farah' });
    const t = await s.createClaim({
      ...claim('group:default/shipping', 'user:default/sam'),
      kind: 'transfer',
      fromGroup: 'group:default/payments',
    });
    // the reviewer saw payments as the owner, but payments released it meanwhile
    await s.releaseOwnership({ entityRef: ID, by: 'user:default/jade' });
    const before = {
      claims: await knex('nhi_claims').orderBy('id'),
      audit: await knex('nhi_audit').orderBy('id'),
    };
    await expect(
      s.approveClaim({
        id: t.id,
        by: 'user:default/jade',
        expectedOwner: 'group:default/payments',
      }),
    ).rejects.toThrow(
      `the owner of ${ID} changed to none while the claim was reviewed; review it again`,
    );
    expect({
      claims: await knex('nhi_claims').orderBy('id'),
      audit: await knex('nhi_audit').orderBy('id'),
    }).toEqual(before);
    await s.approveClaim({
      id: t.id,
      by: 'user:default/farah',
      expectedOwner: null,
      details: { consent: 'reviewer' },
    });
    expect((await s.currentOwner(ID))!.group).toBe('group:default/shipping');
    const { items } = await s.listAudit(ID, { limit: 1, offset: 0 });
    expect(items[0]).toMatchObject({
      action: 'claim.approved',
      details: { group: 'group:default/shipping', consent: 'reviewer' },
    });
  });

  it('keeps a request for a finding apart from its acceptance until a reviewer decides', async () => {
    const { s } = await store(databaseId);
    const until = new Date(Date.now() + 30 * DAY);
    const request = (createdBy = 'user:default/jade') =>
      s.createException({
        entityRef: ID,
        ruleId: 'NHI-CREDENTIAL-NOT-ROTATED',
        justification: 'vendor rotates it next month',
        until,
        createdBy,
        status: 'requested',
        severity: 'high',
      });
    const r = await request();
    expect(r).toMatchObject({ status: 'requested', severity: 'high' });
    await expect(request('user:default/bob')).rejects.toThrow(
      `accepting NHI-CREDENTIAL-NOT-ROTATED on ${ID} is already requested and waits for a reviewer`,
    );
    const active = () =>
      s
        .listExceptions({ activeOnly: true }, { limit: 10, offset: 0 })
        .then(x => x.totalCount);
    expect(await active()).toBe(0);
    const requested = await s.listExceptions(
      { statuses: ['requested'] },
      { limit: 10, offset: 0 },
    );
    expect(requested.items.map(e => e.id)).toEqual([r.id]);

    const approved = await s.reviewException({
      id: r.id,
      by: 'user:default/farah',
      decision: 'approved',
      comment: 'booked with the vendor',
    });
    expect(approved).toMatchObject({
      status: 'active',
      reviewedBy: 'user:default/farah',
      reviewComment: 'booked with the vendor',
    });
    expect(await active()).toBe(1);
    await expect(
      s.reviewException({
        id: r.id,
        by: 'user:default/farah',
        decision: 'rejected',
      }),
    ).rejects.toThrow(
      `exception ${r.id} is active, not a request waiting for review`,
    );
    // accepted already: a new request is a conflict
    await expect(request()).rejects.toThrow(
      `NHI-CREDENTIAL-NOT-ROTATED is already accepted on ${ID}; revoke that exception first`,
    );

    const { items } = await s.listAudit(ID, { limit: 10, offset: 0 });
    expect(items.map(i => i.action).reverse()).toEqual([
      'exception.requested',
      'exception.approved',
    ]);
  });

  it('rejects and withdraws requests; an approval cannot make two active exceptions', async () => {
    const { s } = await store(databaseId);
    const until = new Date(Date.now() + 30 * DAY);
    const create = (status: 'active' | 'requested') =>
      s.createException({
        entityRef: ID,
        ruleId: 'NHI-ADMIN',
        justification: 'break-glass role',
        until,
        createdBy: 'user:default/jade',
        status,
        severity: 'critical',
      });
    const r1 = await create('requested');
    const rejected = await s.reviewException({
      id: r1.id,
      by: 'user:default/farah',
      decision: 'rejected',
      comment: 'scope it down instead',
    });
    expect(rejected.status).toBe('rejected');
    const r2 = await create('requested');
    const withdrawn = await s.revokeException({
      id: r2.id,
      by: 'user:default/jade',
    });
    expect(withdrawn.status).toBe('revoked');
    await expect(
      s.reviewException({
        id: r2.id,
        by: 'user:default/farah',
        decision: 'approved',
      }),
    ).rejects.toThrow('is revoked, not a request waiting for review');

    // a request made, then the rule accepted directly by a reviewer
    const r3 = await create('requested');
    await create('active');
    await expect(
      s.reviewException({
        id: r3.id,
        by: 'user:default/farah',
        decision: 'approved',
      }),
    ).rejects.toThrow('the rule is already accepted on this identity');
    expect((await s.getException(r3.id))!.status).toBe('requested');
    const { items } = await s.listAudit(ID, { limit: 10, offset: 0 });
    expect(items.map(i => i.action).reverse()).toEqual([
      'exception.requested',
      'exception.rejected',
      'exception.requested',
      'exception.withdrawn',
      'exception.requested',
      'exception.created',
    ]);
  });

  it('lets a request expire undecided', async () => {
    const { s } = await store(databaseId);
    // asked for two days ago, until yesterday, and nobody decided
    const r = await s.createException({
      entityRef: ID,
      ruleId: 'NHI-ADMIN',
      justification: 'break-glass role',
      until: new Date(Date.now() - DAY),
      createdBy: 'user:default/jade',
      status: 'requested',
      now: new Date(Date.now() - 2 * DAY),
    });
    expect((await s.getException(r.id))!.status).toBe('expired');
    await expect(
      s.reviewException({
        id: r.id,
        by: 'user:default/farah',
        decision: 'approved',
      }),
    ).rejects.toThrow('is expired, not a request waiting for review');
    // and it does not block a new request
    const again = await s.createException({
      entityRef: ID,
      ruleId: 'NHI-ADMIN',
      justification: 'break-glass role',
      until: new Date(Date.now() + DAY),
      createdBy: 'user:default/jade',
      status: 'requested',
    });
    expect(again.status).toBe('requested');
  });

  it('keeps the exceptions made before requests existed, and migrates down and up again', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.up({
      directory: migrationsDir,
      name: '20261128000000_init.js',
    });
    const until = new Date(Date.now() + 10 * DAY);
    await knex('nhi_exceptions').insert({
      id: '11111111-1111-4111-8111-111111111111',
      entity_ref: ID,
      rule_id: 'NHI-SHARED-IDENTITY',
      justification: 'accepted before this release',
      until,
      status: 'active',
      created_by: 'user:default/jade',
      created_at: new Date(),
    });
    // up to the reviews migration, the one this test takes down again
    await knex.migrate.up({
      directory: migrationsDir,
      name: '20261206000000_reviews.js',
    });
    const s = await ClaimsStore.create({
      getClient: async () => knex,
      migrations: { skip: true },
    });
    const { items } = await s.listExceptions(
      { activeOnly: true },
      { limit: 10, offset: 0 },
    );
    expect(items).toEqual([
      expect.objectContaining({
        id: '11111111-1111-4111-8111-111111111111',
        status: 'active',
        ruleId: 'NHI-SHARED-IDENTITY',
      }),
    ]);
    expect(items[0].severity).toBeUndefined();
    const request = await s.createException({
      entityRef: ID,
      ruleId: 'NHI-ADMIN',
      justification: 'break-glass role',
      until,
      createdBy: 'user:default/jade',
      status: 'requested',
      severity: 'critical',
    });

    await knex.migrate.down({ directory: migrationsDir });
    // the request is a revoked exception for the older code
    const row = await knex('nhi_exceptions').where({ id: request.id }).first();
    expect(row).toMatchObject({
      status: 'revoked',
      revoked_by: 'user:default/jade',
    });
    expect(row).not.toHaveProperty('severity');
    // the older invariants still hold after the columns are gone
    await expect(
      knex('nhi_exceptions').insert({
        id: '22222222-2222-4222-8222-222222222222',
        entity_ref: ID,
        rule_id: 'NHI-SHARED-IDENTITY',
        justification: 'a second active one',
        until,
        status: 'active',
        created_by: 'user:default/jade',
        created_at: new Date(),
      }),
    ).rejects.toMatchObject(dbError(/unique/i));
    await expect(knex('nhi_audit').delete()).rejects.toMatchObject(
      dbError(/append-only/),
    );

    await knex.migrate.latest({ directory: migrationsDir });
    expect(
      (await s.listExceptions({}, { limit: 10, offset: 0 })).totalCount,
    ).toBe(2);
  });
});
