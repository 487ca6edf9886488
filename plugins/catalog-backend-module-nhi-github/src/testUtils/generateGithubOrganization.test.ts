import { generateGithubOrganization } from './generateGithubOrganization';

describe('generateGithubOrganization', () => {
  it('gives the same organization for the same options', () => {
    const a = generateGithubOrganization({ now: '2026-12-01T00:00:00Z' });
    const b = generateGithubOrganization({ now: '2026-12-01T00:00:00Z' });
    expect(a).toEqual(b);
    expect(
      generateGithubOrganization({ now: '2026-12-01T00:00:00Z', seed: 7 }),
    ).not.toEqual(a);
  });

  it('names repositories after the components and owns them through properties and CODEOWNERS', () => {
    const { organizations } = generateGithubOrganization({
      now: '2026-12-01T00:00:00Z',
      components: [
        { name: 'orders-api', owner: 'orders' },
        { name: 'billing', owner: 'finance' },
      ],
      repositories: 40,
    });
    const repos = organizations[0].repositories;
    expect(repos).toHaveLength(40);
    expect(repos.slice(0, 2).map(r => r.name)).toEqual([
      'orders-api',
      'billing',
    ]);
    expect(new Set(repos.map(r => r.name)).size).toBe(40);
    expect(repos.some(r => r.properties?.owner)).toBe(true);
    expect(repos.some(r => r.codeowners)).toBe(true);
    expect(repos.some(r => !r.properties && !r.codeowners)).toBe(true);
  });

  it('scales to thousands of repositories with the traits in their shares', () => {
    const { organizations } = generateGithubOrganization({
      now: '2026-12-01T00:00:00Z',
      repositories: 5000,
      shares: { archived: 0.3 },
    });
    const repos = organizations[0].repositories;
    const archived = repos.filter(r => r.archived).length / repos.length;
    expect(archived).toBeGreaterThan(0.27);
    expect(archived).toBeLessThan(0.33);
    expect(organizations[0].tokenGrants.length).toBeGreaterThan(50);
  });
});
