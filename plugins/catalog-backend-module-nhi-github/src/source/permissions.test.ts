import { githubPermissionVerdicts } from './permissions';

describe('githubPermissionVerdicts', () => {
  it('finds nothing to say of read access to some repositories', () => {
    expect(
      githubPermissionVerdicts({
        permissions: { metadata: 'read', issues: 'read' },
        repositorySelection: 'selected',
        repositories: ['api'],
        organization: 'acme',
      }),
    ).toEqual({
      scopes: ['issues:read', 'metadata:read'],
      summary: 'read-only on 1 repository (api)',
    });
  });

  it('makes organization administration, or administration of every repository, administrator-equivalent', () => {
    expect(
      githubPermissionVerdicts({
        permissions: { organization_administration: 'write' },
        repositorySelection: 'none',
        organization: 'acme',
      }),
    ).toMatchObject({ admin: true });
    const everyRepo = githubPermissionVerdicts({
      permissions: { administration: 'write' },
      repositorySelection: 'all',
      organization: 'acme',
    });
    expect(everyRepo).toMatchObject({
      admin: true,
      serviceWildcards: ['administration:write on all repositories'],
    });
    // Already administrator: not also an escalation path.
    expect(everyRepo.escalation).toBeUndefined();
    // Administration of some repositories is an escalation path, not admin.
    const some = githubPermissionVerdicts({
      permissions: { administration: 'write' },
      repositorySelection: 'selected',
      organization: 'acme',
    });
    expect(some.admin).toBeUndefined();
    expect(some.escalation).toEqual([
      expect.stringMatching(/^administration:write → add deploy keys/),
    ]);
  });

  it('names write on every repository as a wildcard and reading all code as broad data access', () => {
    const v = githubPermissionVerdicts({
      permissions: { contents: 'write', workflows: 'write', metadata: 'read' },
      repositorySelection: 'all',
      organization: 'acme',
      thirdPartyOwner: 'vendor',
    });
    expect(v).toMatchObject({
      serviceWildcards: [
        'contents:write on all repositories',
        'workflows:write on all repositories',
      ],
      dataExfiltration: ['contents of all repositories'],
      escalation: [expect.stringMatching(/^workflows:write → /)],
      trust: { externalOrganizations: ['vendor'] },
    });
    expect(v.summary).toBe(
      'write on all repositories of acme: contents, workflows; escalation through workflows:write; owned by vendor (third party)',
    );
  });
});
