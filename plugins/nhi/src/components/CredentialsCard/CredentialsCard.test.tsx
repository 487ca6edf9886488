import '@testing-library/jest-dom';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NhiCredential } from '@backstage-nhi/plugin-nhi-common';
import {
  daysAgo,
  daysFromNow,
  mockNhiApi,
  nhiEntity,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { CredentialsCard } from './CredentialsCard';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const credentials: NhiCredential[] = [
  {
    id: 'ghp-token-7f3a',
    kind: 'token',
    status: 'active',
    createdAt: daysAgo(20),
    expiresAt: '2027-01-15T00:00:00Z',
    lastUsed: { never: true },
    rotation: { status: 'ok', policy: 'token:90d', dueAt: '2027-01-15' },
  },
  {
    id: 'AKIAOLDKEY00000000',
    kind: 'access-key',
    status: 'inactive',
    createdAt: daysAgo(900),
    rotation: { status: 'inactive', policy: 'access-key:90d' },
  },
  {
    id: 'AKIAIOSFODNN7EXAMPLE',
    kind: 'access-key',
    status: 'active',
    createdAt: daysAgo(700),
    lastRotatedAt: daysAgo(400),
    lastUsed: { at: daysAgo(3), service: 's3' },
    rotation: {
      status: 'overdue',
      policy: 'access-key:90d',
      dueAt: daysAgo(310).slice(0, 10),
    },
    // A misbehaving source must not get a secret value on screen.
    ...({ secretAccessKey: SECRET } as object),
  },
];

/** The data rows of the table, in display order. */
function rows() {
  return screen
    .getAllByRole('row')
    .filter(r => within(r).queryAllByRole('cell').length > 0);
}

describe('CredentialsCard', () => {
  it('lists credentials worst rotation first, with age, last use, expiry and policy', async () => {
    await renderNhi(<CredentialsCard />, {
      entity: nhiEntity({ spec: { credentials } }),
    });

    expect(screen.getByText('Credentials (3)')).toBeInTheDocument();
    const [overdue, ok, inactive] = rows();

    expect(within(overdue).getByText('AKIAIOSFODNN7EXAMPLE').tagName).toBe(
      'CODE',
    );
    expect(overdue).toHaveTextContent('access-key');
    // Age counts from the last rotation, not from creation.
    expect(overdue).toHaveTextContent('400 days');
    expect(overdue).not.toHaveTextContent('700 days');
    expect(overdue).toHaveTextContent('3 days ago · s3');
    expect(overdue).toHaveTextContent('access-key:90d');
    expect(overdue).toHaveTextContent(`due ${daysAgo(310).slice(0, 10)}`);

    expect(ok).toHaveTextContent('ghp-token-7f3a');
    expect(ok).toHaveTextContent('20 days');
    expect(ok).toHaveTextContent('never');
    expect(ok).toHaveTextContent('2027-01-15');
    expect(ok).toHaveTextContent('token:90d');

    expect(inactive).toHaveTextContent('AKIAOLDKEY00000000');
    expect(inactive).toHaveTextContent('inactive');
    expect(inactive).toHaveTextContent('900 days');
  });

  it('highlights an overdue rotation and explains it on hover', async () => {
    await renderNhi(<CredentialsCard />, {
      entity: nhiEntity({ spec: { credentials } }),
    });
    const [overdue, ok] = rows();
    const chip = within(overdue).getByText('overdue').closest('.MuiChip-root')!;
    const okChip = within(ok).getByText('ok').closest('.MuiChip-root')!;
    expect(chip.className).toMatch(/high/);
    expect(okChip.className).not.toMatch(/high/);

    await userEvent.hover(chip);
    expect(
      await screen.findByText('Last rotated longer ago than its policy allows'),
    ).toBeInTheDocument();
  });

  it('never shows a secret value, only credential metadata', async () => {
    await renderNhi(<CredentialsCard />, {
      entity: nhiEntity({ spec: { credentials } }),
    });
    expect(screen.getByText('AKIAIOSFODNN7EXAMPLE')).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(SECRET);
  });

  it('shows dashes for unknown dates and a credential without rotation data', async () => {
    await renderNhi(<CredentialsCard />, {
      entity: nhiEntity({
        spec: {
          credentials: [
            { id: 'cert-serial-01', kind: 'certificate', status: 'active' },
          ],
        },
      }),
    });
    const [row] = rows();
    const cells = within(row)
      .getAllByRole('cell')
      .map(c => c.textContent);
    // Credential, Kind, Status, Age, Last used, Expires, Policy, Rotation
    expect(cells).toEqual([
      'cert-serial-01',
      'certificate',
      'active',
      '—',
      '—',
      '—',
      '—',
      'not-applicable',
    ]);
  });

  it('explains when an identity has no credentials', async () => {
    await renderNhi(<CredentialsCard />, {
      entity: nhiEntity({ spec: { credentials: undefined } }),
    });
    expect(screen.getByText('Credentials (0)')).toBeInTheDocument();
    expect(
      screen.getByText(/No credentials are recorded for this identity/),
    ).toBeInTheDocument();
  });

  it('treats an expiring credential as due, sorted before ok ones', async () => {
    await renderNhi(<CredentialsCard />, {
      entity: nhiEntity({
        spec: {
          credentials: [
            {
              id: 'tls-ok',
              kind: 'certificate',
              status: 'active',
              rotation: { status: 'ok' },
            },
            {
              id: 'tls-soon',
              kind: 'certificate',
              status: 'active',
              expiresAt: daysFromNow(5),
              rotation: {
                status: 'due-soon',
                policy: 'certificate:expiry',
                dueAt: daysFromNow(5).slice(0, 10),
              },
            },
          ],
        },
      }),
    });
    const [first, second] = rows();
    expect(first).toHaveTextContent('tls-soon');
    expect(first).toHaveTextContent('due-soon');
    expect(first).toHaveTextContent(`due ${daysFromNow(5).slice(0, 10)}`);
    expect(second).toHaveTextContent('tls-ok');
  });

  describe('for an identity from a source (the catalog holds a lean entity)', () => {
    const lean = () => {
      const e = nhiEntity();
      delete e.spec.credentials;
      return e;
    };

    it('reads the credentials from the identity’s detail', async () => {
      const entity = lean();
      const nhiApi = mockNhiApi({
        getIdentityDetail: jest.fn(async entityRef => ({
          entityRef,
          spec: { ...entity.spec, credentials },
        })),
      });
      await renderNhi(<CredentialsCard />, { entity, nhiApi });
      expect(
        await screen.findByText('AKIAIOSFODNN7EXAMPLE'),
      ).toBeInTheDocument();
      expect(nhiApi.getIdentityDetail).toHaveBeenCalledWith(
        `nonhumanidentity:default/${entity.metadata.name}`,
      );
    });

    it('says so when the detail cannot be read', async () => {
      const nhiApi = mockNhiApi({
        getIdentityDetail: jest.fn(async () => {
          throw new Error('the catalog backend is down');
        }),
      });
      await renderNhi(<CredentialsCard />, { entity: lean(), nhiApi });
      expect(
        await screen.findByText(
          'The credentials could not be read: the catalog backend is down',
        ),
      ).toBeInTheDocument();
    });
  });
});
