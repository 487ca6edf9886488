import {
  DEFAULT_ENTRA_TEAMS,
  generateEntraTenant,
  VENDOR_TENANT_ID,
} from './generateEntraTenant';

const NOW = new Date('2026-11-28T00:00:00Z');

describe('generateEntraTenant', () => {
  it('gives the same tenant for the same seed, and another for another seed', () => {
    const a = generateEntraTenant({ identities: 200, now: NOW });
    expect(generateEntraTenant({ identities: 200, now: NOW })).toEqual(a);
    expect(
      generateEntraTenant({ identities: 200, now: NOW, seed: 2 }),
    ).not.toEqual(a);
  });

  it('draws the asked number of identities, on top of the fixed cases, vendors and Microsoft', () => {
    const small = generateEntraTenant({ identities: 0, now: NOW });
    const big = generateEntraTenant({ identities: 500, now: NOW });
    expect(big.servicePrincipals.length - small.servicePrincipals.length).toBe(
      500,
    );
    expect(small.servicePrincipals.map(sp => sp.displayName)).toEqual(
      expect.arrayContaining([
        'Microsoft Graph',
        'terraform-bootstrap',
        'entra-provisioning',
        'platform-automation',
        'release-manager',
        'hr-directory-sync',
        'support-mailbox-sync',
        'agent-warehouse-backfill',
        'shared-reporting-app',
        'Contoso CRM Connector',
      ]),
    );
    expect(
      small.servicePrincipals.filter(
        sp => sp.appOwnerOrganizationId === VENDOR_TENANT_ID,
      ),
    ).toHaveLength(3);
  });

  it("names applications and managed identities after the teams' components and has them owned by the teams' members", () => {
    const model = generateEntraTenant({ identities: 400, now: NOW });
    const components = DEFAULT_ENTRA_TEAMS.flatMap(t => t.components);
    const drawn = model.servicePrincipals.slice(-400);
    for (const sp of drawn) {
      expect(components.some(c => sp.displayName.includes(c))).toBe(true);
    }
    const members = new Set(DEFAULT_ENTRA_TEAMS.flatMap(t => t.members));
    const ownerMails = model.applications
      .flatMap(a => a.owners)
      .map(id => model.users.find(u => u.id === id)?.mail);
    expect(ownerMails.some(m => m && members.has(m))).toBe(true);
    expect(model.users.filter(u => !u.accountEnabled)).toHaveLength(2);
    const kinds = new Set(drawn.map(sp => sp.servicePrincipalType));
    expect(kinds).toEqual(new Set(['Application', 'ManagedIdentity']));
  });

  it('has secrets of every age the source must tell apart, certificates and federated credentials', () => {
    const model = generateEntraTenant({ identities: 400, now: NOW });
    const secrets = model.applications.flatMap(a => a.passwordCredentials);
    const now = NOW.getTime();
    expect(secrets.some(s => Date.parse(s.endDateTime!) < now)).toBe(true);
    expect(secrets.some(s => s.endDateTime === '2299-12-31T00:00:00Z')).toBe(
      true,
    );
    expect(
      model.applications.some(a => a.passwordCredentials.length === 2),
    ).toBe(true);
    expect(model.applications.some(a => a.keyCredentials.length)).toBe(true);
    expect(
      model.applications
        .flatMap(a => a.federatedIdentityCredentials)
        .every(
          f =>
            f.issuer === 'https://token.actions.githubusercontent.com' &&
            /^repo:lumen-freight\/[\w-]+:environment:\w+$/.test(f.subject!),
        ),
    ).toBe(true);
  });
});
