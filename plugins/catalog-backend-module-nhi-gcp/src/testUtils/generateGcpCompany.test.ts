import { DAY } from '@backstage-nhi/plugin-nhi-common';
import { generateGcpCompany } from './generateGcpCompany';

const NOW = Date.parse('2026-11-28T00:00:00Z');

describe('generateGcpCompany', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateGcpCompany({ serviceAccounts: 200, seed: 4 });
    expect(generateGcpCompany({ serviceAccounts: 200, seed: 4 })).toEqual(a);
    expect(generateGcpCompany({ serviceAccounts: 200, seed: 5 })).not.toEqual(
      a,
    );
  });

  it('labels a prod and a dev project per team, and names accounts after components', () => {
    const model = generateGcpCompany({
      serviceAccounts: 40,
      teams: [
        { name: 'payments', components: ['payments-api', 'billing-worker'] },
        { name: 'web', components: ['storefront-web'] },
      ],
    });
    expect(model.projects.map(p => p.projectId).sort()).toEqual([
      'legacy-billing',
      'payments-dev',
      'payments-prod',
      'web-dev',
      'web-prod',
    ]);
    const prod = model.projects.find(p => p.projectId === 'payments-prod')!;
    expect(prod.labels).toEqual({
      team: 'payments',
      environment: 'production',
    });
    const names = prod.serviceAccounts.map(sa => sa.email.split('@')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['payments-api', 'billing-worker']),
    );
    expect(
      model.projects.flatMap(p => p.serviceAccounts).map(sa => sa.email),
    ).toEqual([
      ...new Set(
        model.projects.flatMap(p => p.serviceAccounts).map(sa => sa.email),
      ),
    ]);
  });

  it('spreads the requested accounts over the requested projects', () => {
    const model = generateGcpCompany({ serviceAccounts: 2000, projects: 20 });
    expect(model.projects).toHaveLength(21); // + legacy-billing
    const sizes = model.projects.map(p => p.serviceAccounts.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(20);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2000);
  });

  it('has keys of every age and use, and the named verdict cases', () => {
    const model = generateGcpCompany({
      serviceAccounts: 300,
      now: '2026-11-28',
    });
    const keys = model.projects.flatMap(p =>
      p.serviceAccounts.flatMap(sa => sa.keys),
    );
    const age = (at: string) => (NOW - Date.parse(at)) / DAY;
    expect(
      keys.some(k => age(k.createdAt) > 90 && !k.lastAuthenticatedAt),
    ).toBe(true);
    expect(
      keys.some(k => age(k.createdAt) < 90 && !k.lastAuthenticatedAt),
    ).toBe(true);
    expect(
      keys.some(k => k.lastAuthenticatedAt && age(k.lastAuthenticatedAt) > 90),
    ).toBe(true);
    expect(keys.some(k => k.disabled)).toBe(true);
    expect(keys.some(k => k.expiresAt)).toBe(true);
    const bindings = model.projects.flatMap(p => p.iamPolicy);
    const holders = (role: string) =>
      bindings.filter(b => b.role === role).flatMap(b => b.members);
    expect(holders('roles/owner')).toEqual([
      'serviceAccount:terraform-pipeline@platform-prod.iam.gserviceaccount.com',
    ]);
    expect(holders('roles/editor')).toHaveLength(3);
    expect(holders('roles/iam.serviceAccountTokenCreator')).toEqual([
      'serviceAccount:deploy-bot@platform-prod.iam.gserviceaccount.com',
    ]);
    const accountBindings = model.projects.flatMap(p =>
      p.serviceAccounts.flatMap(sa => sa.iamPolicy ?? []),
    );
    expect(
      accountBindings
        .filter(b => b.role === 'roles/iam.workloadIdentityUser')
        .flatMap(b => b.members)
        .map(m => m.replace(/projects\/\d+/, 'projects/N')),
    ).toEqual(
      expect.arrayContaining([
        'principalSet://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/github/attribute.repository/lumen-freight/ci-runner',
        'principalSet://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/github/*',
        'serviceAccount:payments-prod.svc.id.goog[payments/payments-api]',
      ]),
    );
  });
});
