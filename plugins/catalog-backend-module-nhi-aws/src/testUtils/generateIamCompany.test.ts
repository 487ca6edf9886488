import { DAY } from '@backstage-nhi/plugin-nhi-common';
import { createHash } from 'node:crypto';
import {
  generateIamCompany,
  OWNER_TAG_VARIANTS,
  PARTNER_ORGANIZATION,
  THIRD_PARTY_ACCOUNTS,
} from './generateIamCompany';

/** What the generator adds on top of the requested identities. */
const ON_TOP = new Set([
  'OrganizationAccountAccessRole',
  'svc-finance-legacy-admin',
  'agent-load-test-runner',
]);
const onTop = (name: string) =>
  ON_TOP.has(name) ||
  /-(legacy-reporting-ec2|partner-analytics-reader)$/.test(name);

const hash = (v: unknown) =>
  createHash('sha1').update(JSON.stringify(v)).digest('hex');

describe('generateIamCompany', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateIamCompany({ accounts: 3, identities: 500, seed: 7 });
    const b = generateIamCompany({ accounts: 3, identities: 500, seed: 7 });
    const c = generateIamCompany({ accounts: 3, identities: 500, seed: 8 });
    expect(hash(a)).toBe(hash(b));
    expect(hash(a)).not.toBe(hash(c));
  });

  it('spreads exactly the requested users and roles over the accounts, about 40% users', () => {
    const m = generateIamCompany({ accounts: 4, identities: 2001, seed: 1 });
    expect(m.accounts).toHaveLength(4);
    expect(m.managementAccountId).toBe(m.accounts[0].id);
    const users = m.accounts
      .flatMap(a => a.users)
      .filter(u => !onTop(u.name)).length;
    const roles = m.accounts
      .flatMap(a => a.roles)
      .filter(
        r => !r.path?.startsWith('/aws-service-role/') && !onTop(r.name),
      ).length;
    expect(users + roles).toBe(2001);
    expect(users / 2001).toBeGreaterThan(0.35);
    expect(users / 2001).toBeLessThan(0.45);
    // Unique ids and key ids across the company.
    const keyIds = m.accounts.flatMap(a =>
      a.users.flatMap(u => (u.accessKeys ?? []).map(k => k.id)),
    );
    expect(new Set(keyIds).size).toBe(keyIds.length);
    expect(keyIds.every(k => /^AKIA[A-Z2-7]{16}$/.test(k))).toBe(true);
  });

  it('never uses or changes a credential before its user was created', () => {
    const m = generateIamCompany({ accounts: 3, identities: 20_000, seed: 1 });
    const pairs: Array<[string, string | undefined]> = [];
    for (const u of m.accounts.flatMap(a => a.users)) {
      for (const k of u.accessKeys ?? []) {
        pairs.push([u.createdAt, k.createdAt], [k.createdAt, k.lastUsed?.at]);
      }
      pairs.push(
        [u.createdAt, u.password?.lastChanged],
        [u.createdAt, u.password?.lastUsed],
        ...(u.signingCertificates ?? []).map(
          c => [u.createdAt, c.createdAt] as [string, string],
        ),
      );
    }
    for (const r of m.accounts.flatMap(a => a.roles)) {
      pairs.push([r.createdAt, r.lastUsed?.at]);
    }
    const dated = pairs.filter((p): p is [string, string] => !!p[1]);
    expect(dated.length).toBeGreaterThan(10_000);
    expect(
      dated.filter(
        ([created, later]) => Date.parse(later) < Date.parse(created),
      ),
    ).toEqual([]);
  });

  it('has the variety the source must handle', () => {
    const m = generateIamCompany({
      accounts: 3,
      identities: 3000,
      seed: 1,
      teams: ['alpha', 'beta'],
    });
    const users = m.accounts.flatMap(a => a.users);
    const roles = m.accounts.flatMap(a => a.roles);
    const trust = roles.map(r => JSON.stringify(r.trustPolicy));
    expect(users.some(u => !u.accessKeys)).toBe(true);
    expect(users.some(u => u.accessKeys?.length === 2)).toBe(true);
    expect(users.some(u => u.accessKeys?.some(k => !k.lastUsed))).toBe(true);
    expect(users.some(u => u.password && !u.mfa)).toBe(true);
    expect(users.some(u => u.groups?.includes('admins'))).toBe(true);
    expect(
      trust.some(t => t.includes('"AWS":"*"') && !t.includes('PrincipalOrgID')),
    ).toBe(true);
    expect(
      trust.some(t => t.includes('githubusercontent') && !t.includes(':sub')),
    ).toBe(true);
    expect(
      trust.some(t => t.includes('githubusercontent') && t.includes(':sub')),
    ).toBe(true);
    expect(
      trust.some(
        t =>
          THIRD_PARTY_ACCOUNTS.some(a => t.includes(a)) &&
          !t.includes('ExternalId'),
      ),
    ).toBe(true);
    expect(trust.some(t => t.includes('sts:ExternalId'))).toBe(true);
    const tagged = [...users, ...roles].filter(
      x => x.tags?.team || x.tags?.owner,
    );
    expect(tagged.length / (users.length + roles.length)).toBeGreaterThan(0.7);
    const owners = tagged.map(x => x.tags!.team ?? x.tags!.owner);
    const { alias, unresolved } = OWNER_TAG_VARIANTS;
    expect(new Set(owners)).toEqual(
      new Set(['alpha', 'beta'].flatMap(t => [t, t + alias, t + unresolved])),
    );
    // most owner tags name the team as it is
    expect(
      owners.filter(o => o === 'alpha' || o === 'beta').length / owners.length,
    ).toBeGreaterThan(0.8);
    expect([...users, ...roles].some(x => x.tags?.['agent-id'])).toBe(true);
    expect(
      m.accounts.filter(a => a.root?.accessKeys?.some(k => k.active)),
    ).toHaveLength(1);
  });

  it('adds one of each case a reviewer looks for, on top', () => {
    const m = generateIamCompany({
      accounts: 3,
      identities: 30,
      seed: 2,
      people: ['priya.raman@lumen.example'],
    });
    const [management, second, third] = m.accounts;
    const access = (a: typeof second) =>
      a.roles.find(r => r.name === 'OrganizationAccountAccessRole');
    expect(access(management)).toBeUndefined();
    for (const member of [second, third]) {
      expect(JSON.stringify(access(member)!.trustPolicy)).toContain(
        `arn:aws:iam::${management.id}:root`,
      );
    }
    const legacy = second.roles.find(r =>
      r.name.endsWith('-legacy-reporting-ec2'),
    )!;
    expect(legacy.lastUsed).toBeUndefined();
    expect(Date.parse(legacy.createdAt)).toBeLessThan(
      Date.parse('2026-11-28') - 400 * DAY,
    );
    expect(
      JSON.stringify(
        second.roles.find(r => r.name.endsWith('-partner-analytics-reader'))!
          .trustPolicy,
      ),
    ).toContain(PARTNER_ORGANIZATION);
    const agentRole = second.roles.find(
      r => r.name === 'agent-load-test-runner',
    )!;
    expect(agentRole.tags).toMatchObject({
      'agent-id': 'claude-code',
      'on-behalf-of': 'priya.raman@lumen.example',
      'expires-at': '2026-11-21',
    });
    expect(agentRole.tags?.team).toBeUndefined();
    const admin = second.users.find(
      u => u.name === 'svc-finance-legacy-admin',
    )!;
    expect(
      second.policies.find(p => p.arn === admin.attachedPolicies![0])!.name,
    ).toBe('everything-but-billing');
  });
});
