import '@testing-library/jest-dom';
import { screen, within } from '@testing-library/react';
import { daysAgo, daysFromNow, nhiEntity } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { IdentityOverviewCard } from './IdentityOverviewCard';

/** The value cell of a metadata row, by its title. */
function row(title: string) {
  const cell = screen.getByText(title, { selector: 'td' });
  return cell.closest('tr')!.querySelectorAll('td')[1] as HTMLElement;
}

describe('IdentityOverviewCard', () => {
  it('shows what the identity is: type, category, provider, account and external id', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        description: 'Deploys the billing stack from CI',
        spec: {
          permissions: {
            admin: true,
            serviceWildcards: ['s3:*'],
            trust: {
              externalAccounts: ['210987654321', '999999999999'],
              externalAccountsWithoutExternalId: ['999999999999'],
            },
          },
        },
      }),
    });

    expect(screen.getByText('Identity')).toBeInTheDocument();
    expect(
      screen.getByText('Deploys the billing stack from CI'),
    ).toBeInTheDocument();
    expect(row('Type')).toHaveTextContent(/^IAM user$/);
    expect(row('Category')).toHaveTextContent(/^Service account$/);
    expect(row('Provider')).toHaveTextContent(/^aws · 123456789012$/);
    expect(
      within(row('External Id')).getByText(
        'arn:aws:iam::123456789012:user/ci-deployer',
      ).tagName,
    ).toBe('CODE');
    expect(row('Source')).toHaveTextContent('aws:production');
    expect(row('Environments')).toHaveTextContent('production');
    expect(
      within(row('Used By')).getByRole('link', { name: /billing-worker/ }),
    ).toHaveAttribute('href', '/catalog/default/component/billing-worker');
    const permissions = row('Permissions');
    expect(permissions).toHaveTextContent('administrator');
    expect(permissions).toHaveTextContent('wildcards: s3:*');
    expect(permissions).toHaveTextContent(
      'trusted accounts: 210987654321, 999999999999 (no external id)',
    );
    // Not an agent, no interactive login: those rows are absent.
    expect(screen.queryByText('Acts For')).not.toBeInTheDocument();
    expect(screen.queryByText('Interactive Login')).not.toBeInTheDocument();
  });

  it('shows the last use with when, where and the region', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        spec: {
          lastUsed: {
            at: daysAgo(3),
            service: 'sts',
            region: 'us-east-1',
          },
        },
      }),
    });
    expect(row('Last Used')).toHaveTextContent(
      `3 days ago (${daysAgo(3).slice(0, 10)}) · sts · us-east-1`,
    );
  });

  it('says when a source knows the identity was never used, and when last use is unknown', async () => {
    const { unmount } = await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({ spec: { lastUsed: { never: true } } }),
    });
    expect(row('Last Used')).toHaveTextContent(/^never used$/);
    unmount();

    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({ spec: { lastUsed: undefined } }),
    });
    expect(row('Last Used')).toHaveTextContent(/^not known$/);
  });

  it('says a role was not used in the whole window its source records', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({ spec: { lastUsed: { notWithinDays: 400 } } }),
    });
    expect(row('Last Used')).toHaveTextContent(
      /^not in the last 400 days \(what its source records\)$/,
    );
  });

  it('tells the organization’s accounts and organizations from third parties', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        spec: {
          permissions: {
            trust: {
              organizationAccounts: ['100000000001'],
              organizations: ['o-lumen12345'],
              externalOrganizations: ['o-partner0001'],
              externalAccounts: ['999999999999'],
              externalAccountsWithoutExternalId: ['999999999999'],
            },
          },
        },
      }),
    });
    const text = row('Permissions').textContent;
    expect(text).toContain(
      'assumed from accounts of the organization: 100000000001',
    );
    expect(text).toContain('any principal of organization o-lumen12345');
    expect(text).toContain(
      'any principal of another organization: o-partner0001',
    );
    expect(text).toContain('trusted accounts: 999999999999 (no external id)');
  });

  it('renders the delegation chain of an identity an AI agent created', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        name: 'agent-made-role',
        spec: {
          type: 'iam-role',
          createdBy: {
            type: 'agent',
            ref: 'nonhumanidentity:default/release-bot',
            at: '2026-03-02T10:00:00Z',
            agent: {
              id: 'release-bot',
              onBehalfOf: 'user:default/bob',
              reason: 'rotate the deploy role',
              expiresAt: '2026-09-30T00:00:00Z',
            },
          },
        },
      }),
    });

    const createdBy = row('Created By');
    expect(createdBy).toHaveTextContent(/^AI agent .*release-bot, 2026-03-02/);
    expect(
      within(createdBy).getByRole('link', { name: /release-bot/ }),
    ).toHaveAttribute('href', '/catalog/default/nonhumanidentity/release-bot');
    const chain = within(createdBy).getByLabelText('delegation chain');
    expect(chain).toHaveTextContent(
      '→ acting for bob · “rotate the deploy role” · expires 2026-09-30',
    );
    expect(within(chain).getByRole('link', { name: /bob/ })).toHaveAttribute(
      'href',
      '/catalog/default/user/bob',
    );
  });

  it('says so when an agent gave no reason or expiry', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        spec: {
          createdBy: {
            type: 'agent',
            name: 'copilot-workspace',
            agent: { id: 'copilot-workspace' },
          },
        },
      }),
    });
    expect(screen.getByLabelText('delegation chain')).toHaveTextContent(
      '→ acting for — · no reason given · no expiry given',
    );
  });

  it('shows a person creator without a delegation chain', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        spec: {
          createdBy: { type: 'person', name: 'carol', at: daysAgo(10) },
        },
      }),
    });
    expect(row('Created By')).toHaveTextContent(
      `person carol, ${daysAgo(10).slice(0, 10)}`,
    );
    expect(screen.queryByLabelText('delegation chain')).not.toBeInTheDocument();
  });

  it('says the creator is not known, with the creation date, when the source gives only when', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        spec: { createdBy: { type: 'unknown', at: daysAgo(400) } },
      }),
    });
    expect(row('Created By')).toHaveTextContent(
      new RegExp(`^not known; created ${daysAgo(400).slice(0, 10)}$`),
    );
  });

  it('shows who an AI agent acts for and whether interactive login has MFA', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        spec: {
          category: 'ai-agent',
          type: 'coding-assistant',
          agent: {
            onBehalfOf: 'user:default/dave',
            reason: 'pairs on the payments repo',
            expiresAt: daysFromNow(30),
          },
          interactiveLogin: true,
          mfa: false,
        },
      }),
    });
    expect(row('Type')).toHaveTextContent('Coding assistant');
    expect(row('Category')).toHaveTextContent('AI agent');
    expect(row('Acts For')).toHaveTextContent(
      `dave · pairs on the payments repo · expires ${daysFromNow(30).slice(
        0,
        10,
      )}`,
    );
    expect(row('Interactive Login')).toHaveTextContent('yes, without MFA');
  });

  it('falls back for identities declared by hand with nothing known', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity({
        annotations: {},
        spec: {
          type: 'some-new-type',
          account: undefined,
          usedBy: [],
          environments: undefined,
          permissions: undefined,
          createdBy: undefined,
        },
      }),
    });
    expect(row('Type')).toHaveTextContent(/^some-new-type$/);
    expect(row('Provider')).toHaveTextContent(/^aws$/);
    expect(row('Used By')).toHaveTextContent('no service declares it');
    expect(row('Environments')).toHaveTextContent(/^—$/);
    expect(row('Permissions')).toHaveTextContent(/^not known$/);
    expect(row('Created By')).toHaveTextContent(/^not known$/);
    expect(row('Source')).toHaveTextContent('declared in catalog-info.yaml');
  });
});
