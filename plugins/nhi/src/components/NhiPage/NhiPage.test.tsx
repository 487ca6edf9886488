import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  NHI_RULES,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { mockApis } from '@backstage/test-utils';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import {
  claim,
  mockNhiApi,
  nhiEntity,
  page,
  unownedEntity,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { NhiPage } from './NhiPage';

// A full page with Material UI and material-table is slow in jsdom.

const NHI = { kind: 'NonHumanIdentity' };

function LocationProbe() {
  const location = useLocation();
  return <output aria-label="location">{location.search}</output>;
}

/** A catalog serving `items` as one page, with empty facets. */
function catalog(items: NonHumanIdentityEntity[] = []) {
  return catalogApiMock.mock({
    queryEntities: jest.fn(async () => ({
      items,
      totalItems: items.length,
      pageInfo: {},
    })) as any,
    getEntityFacets: jest.fn(async (request: any) => ({
      facets: Object.fromEntries(
        (request.facets as string[]).map(f => [f, []]),
      ),
    })) as any,
    getEntities: jest.fn(async () => ({ items: [] })) as any,
  });
}

function lastQuery(catalogApi: ReturnType<typeof catalog>) {
  const calls = (catalogApi.queryEntities as jest.Mock).mock.calls;
  return calls[calls.length - 1]?.[0];
}

async function renderPage(
  search: string,
  options: Parameters<typeof renderNhi>[1] = {},
) {
  return renderNhi(
    <>
      <NhiPage />
      <LocationProbe />
    </>,
    { catalogApi: catalog(), ...options, routeEntries: [`/nhi${search}`] },
  );
}

describe('NhiPage', () => {
  describe('tabs', () => {
    it('opens on the overview, with the page title', async () => {
      const { catalogApi } = await renderPage('');
      expect(
        screen.getByRole('heading', { level: 1, name: 'Non-human identities' }),
      ).toBeInTheDocument();
      expect(screen.getByRole('tab', { name: 'Overview' })).toHaveAttribute(
        'aria-selected',
        'true',
      );
      // the overview of an empty catalog
      expect(
        await screen.findByText('No non-human identities in the catalog yet'),
      ).toBeInTheDocument();
      expect(catalogApi.queryEntities).not.toHaveBeenCalled();
    });

    it('falls back to the overview for an unknown tab', async () => {
      await renderPage('?tab=nope');
      expect(screen.getByRole('tab', { name: 'Overview' })).toHaveAttribute(
        'aria-selected',
        'true',
      );
      // the overview of an empty catalog
      expect(
        await screen.findByText('No non-human identities in the catalog yet'),
      ).toBeInTheDocument();
    });

    it('switches tabs through the URL, and a new tab starts without the old filters', async () => {
      const catalogApi = catalog([nhiEntity()]);
      await renderPage('?tab=inventory&provider=aws', { catalogApi });
      expect(screen.getByRole('tab', { name: 'Inventory' })).toHaveAttribute(
        'aria-selected',
        'true',
      );
      await screen.findByRole('link', { name: 'ci-deployer' });

      await userEvent.click(screen.getByRole('tab', { name: 'Rules' }));
      expect(screen.getByLabelText('location')).toHaveTextContent(
        /^\?tab=rules$/,
      );
      expect(screen.getByRole('tab', { name: 'Rules' })).toHaveAttribute(
        'aria-selected',
        'true',
      );
      expect(
        screen.getByRole('table', { name: 'risk rules' }),
      ).toBeInTheDocument();
      expect(
        screen.queryByLabelText('search identities'),
      ).not.toBeInTheDocument();

      await userEvent.click(screen.getByRole('tab', { name: 'Teams' }));
      expect(screen.getByLabelText('location')).toHaveTextContent(
        /^\?tab=teams$/,
      );
      expect(
        await screen.findByText('Teams by NHI hygiene'),
      ).toBeInTheDocument();
    });
  });

  describe('rules tab', () => {
    it('lists every risk rule with severity, OWASP reference and remediation', async () => {
      await renderPage('?tab=rules');
      expect(
        screen.getByText(`Risk rules (${NHI_RULES.length})`),
      ).toBeInTheDocument();
      const table = screen.getByRole('table', { name: 'risk rules' });
      // A header row and one row per rule.
      expect(within(table).getAllByRole('row')).toHaveLength(
        NHI_RULES.length + 1,
      );
      const leaked = within(table)
        .getByText('NHI-LEAKED-CREDENTIAL')
        .closest('tr')!;
      expect(leaked).toHaveTextContent('Credential found by a secret scanner');
      expect(within(leaked).getByLabelText('risk critical')).toBeVisible();
      expect(leaked).toHaveTextContent('NHI2 Secret Leakage');
      expect(leaked).toHaveTextContent(
        'Rotate the credential now, check its use since the commit, and purge it from the history.',
      );
    });
  });

  describe('unowned tab', () => {
    it('lists unowned identities from the server with their suggested owners', async () => {
      const catalogApi = catalog([
        unownedEntity({
          ownership: {
            status: 'unowned',
            provenance: 'none',
            suggestedOwners: ['group:default/data', 'group:default/platform'],
          },
        }),
        {
          ...unownedEntity({
            ownership: { status: 'unowned', provenance: 'none' },
          }),
          metadata: { name: 'orphan-bot', namespace: 'default' },
        },
      ]);
      await renderPage('?tab=unowned&provider=aws', { catalogApi });

      expect(await screen.findByText('Unowned identities')).toBeInTheDocument();
      expect(
        screen.getByText(/Nobody is accountable for these identities/),
      ).toBeInTheDocument();
      const row = screen
        .getByRole('link', { name: 'legacy-exporter' })
        .closest('tr')!;
      expect(within(row).getByRole('link', { name: 'data' })).toHaveAttribute(
        'href',
        '/catalog/default/group/data',
      );
      expect(
        within(row).getByRole('link', { name: 'platform' }),
      ).toHaveAttribute('href', '/catalog/default/group/platform');
      const orphan = screen
        .getByRole('link', { name: 'orphan-bot' })
        .closest('tr')!;
      expect(within(orphan).getAllByRole('cell')[6]).toHaveTextContent(/^—$/);

      expect(catalogApi.queryEntities).toHaveBeenCalledWith(
        expect.objectContaining({
          filter: {
            ...NHI,
            'spec.provider': 'aws',
            'spec.ownership.status': 'unowned',
          },
          limit: 20,
          offset: 0,
        }),
      );
      // Owner is fixed here: no owner filter.
      expect(
        screen.queryByLabelText('Owner (group ref or “unowned”)'),
      ).not.toBeInTheDocument();
    });

    it('keeps the unowned filter when another filter is picked, without putting it in the URL', async () => {
      const catalogApi = catalog([unownedEntity()]);
      await renderPage('?tab=unowned', { catalogApi });
      await screen.findByRole('link', { name: 'legacy-exporter' });

      await userEvent.click(
        screen.getByRole('checkbox', { name: 'Dormant only' }),
      );
      await waitFor(() =>
        expect(lastQuery(catalogApi).filter).toEqual({
          ...NHI,
          'spec.risk.findings.ruleId': 'NHI-DORMANT-IDENTITY',
          'spec.ownership.status': 'unowned',
        }),
      );
      expect(screen.getByLabelText('location')).toHaveTextContent(
        /^\?tab=unowned&dormant=true$/,
      );
    });

    it('claims an identity for one of the user’s teams, suggested teams first', async () => {
      const nhiApi = mockNhiApi();
      await renderPage('?tab=unowned', {
        catalogApi: catalog([
          unownedEntity({
            ownership: {
              status: 'unowned',
              provenance: 'none',
              suggestedOwners: ['group:default/platform'],
            },
          }),
        ]),
        nhiApi,
      });
      const row = (
        await screen.findByRole('link', { name: 'legacy-exporter' })
      ).closest('tr')!;
      const button = within(row).getByRole('button', { name: 'Claim' });
      await waitFor(() => expect(button).toBeEnabled());
      await userEvent.click(button);

      const dialog = screen.getByRole('dialog', {
        name: 'Claim legacy-exporter',
      });
      expect(
        within(dialog)
          .getAllByRole('radio')
          .map(r => r.getAttribute('value')),
      ).toEqual(['group:default/platform', 'group:default/data']);
      expect(within(dialog).getByLabelText('platform')).toBeChecked();
      await userEvent.click(within(dialog).getByLabelText('justification'));
      await userEvent.paste('Our nightly export job reads S3 with it');
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Send claim' }),
      );

      expect(nhiApi.createClaim).toHaveBeenCalledWith({
        entityRef: 'nonhumanidentity:default/legacy-exporter',
        group: 'group:default/platform',
        justification: 'Our nightly export job reads S3 with it',
      });
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
    });

    it('does not let a user without a team claim', async () => {
      // Watch the signed-in identity arrive rather than wait an arbitrary time.
      const identityOf = mockApis.identity;
      const answers: Array<Promise<unknown>> = [];
      const spy = jest
        .spyOn(mockApis, 'identity')
        .mockImplementation(options => {
          const api = identityOf(options);
          const get = api.getBackstageIdentity.bind(api);
          api.getBackstageIdentity = () => {
            const answer = get();
            answers.push(answer);
            return answer;
          };
          return api;
        });
      try {
        await renderPage('?tab=unowned', {
          catalogApi: catalog([unownedEntity()]),
          identity: { ownershipEntityRefs: ['user:default/alice'] },
        });
        const button = await screen.findByRole('button', { name: 'Claim' });
        await waitFor(() => expect(answers).not.toHaveLength(0));
        await act(async () => {
          await Promise.all(answers);
        });
        // The identity is in (a user with teams gets an enabled button at
        // this point, see above); without a team it stays disabled.
        expect(button).toBeDisabled();
      } finally {
        spy.mockRestore();
      }
    });

    it('says when there is no unowned identity', async () => {
      await renderPage('?tab=unowned', { catalogApi: catalog([]) });
      expect(
        await screen.findByText('No identity matches these filters.'),
      ).toBeInTheDocument();
    });

    it('shows the error when the catalog query fails', async () => {
      const catalogApi = catalog();
      (catalogApi.queryEntities as jest.Mock).mockRejectedValue(
        new Error('Catalog is unavailable'),
      );
      await renderPage('?tab=unowned', { catalogApi });
      expect(
        await screen.findByText(/Catalog is unavailable/),
      ).toBeInTheDocument();
    });
  });

  describe('review tab', () => {
    it('lists the claims the user may review, with the identity, and approves one', async () => {
      const open = claim({
        id: 'claim-7',
        group: 'group:default/data',
        createdBy: 'user:default/bob',
        justification: 'Our nightly export job reads S3 with it',
      });
      const nhiApi = mockNhiApi({
        listClaims: jest
          .fn()
          .mockResolvedValueOnce(page([open]))
          .mockResolvedValue(page([])),
      });
      const { alertApi } = await renderPage('?tab=review', { nhiApi });

      expect(
        await screen.findByText(/Our nightly export job reads S3 with it/),
      ).toBeInTheDocument();
      expect(screen.getByText('Claims you can review')).toBeInTheDocument();
      expect(
        screen.getByRole('link', { name: 'legacy-exporter' }),
      ).toHaveAttribute(
        'href',
        '/catalog/default/nonhumanidentity/legacy-exporter',
      );
      expect(screen.getByRole('link', { name: 'data' })).toHaveAttribute(
        'href',
        '/catalog/default/group/data',
      );
      expect(nhiApi.listClaims).toHaveBeenCalledWith({
        toReview: true,
        limit: 100,
      });

      await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
      expect(nhiApi.approveClaim).toHaveBeenCalledWith('claim-7');
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: 'Approved: group:default/data owns it now.',
          severity: 'success',
        }),
      );
      // The list reloads: nothing left to review.
      expect(await screen.findByText(/Nothing to review/)).toBeInTheDocument();
      expect(nhiApi.listClaims).toHaveBeenCalledTimes(2);
    });

    it('shows more claims than fit in one page when asked, and says how many are shown', async () => {
      const first = claim({
        id: 'claim-1',
        justification: 'First page claim',
      });
      const second = claim({
        id: 'claim-2',
        justification: 'Second page claim',
      });
      const nhiApi = mockNhiApi({
        listClaims: jest.fn(async (q: { cursor?: string } = {}) =>
          q.cursor === 'page-2'
            ? { items: [second], totalCount: 2 }
            : { items: [first], totalCount: 2, nextCursor: 'page-2' },
        ),
      });
      await renderPage('?tab=review', { nhiApi });
      expect(await screen.findByText(/First page claim/)).toBeInTheDocument();
      expect(screen.queryByText(/Second page claim/)).not.toBeInTheDocument();
      expect(screen.getByText('1 of 2 shown')).toBeInTheDocument();

      await userEvent.click(screen.getByRole('button', { name: 'Show more' }));
      expect(await screen.findByText(/Second page claim/)).toBeInTheDocument();
      expect(screen.getByText(/First page claim/)).toBeInTheDocument();
      expect(nhiApi.listClaims).toHaveBeenLastCalledWith({
        toReview: true,
        limit: 100,
        cursor: 'page-2',
      });
      // the last page: nothing more to show
      expect(
        screen.queryByRole('button', { name: 'Show more' }),
      ).not.toBeInTheDocument();
    });

    it('says when there is nothing to review', async () => {
      await renderPage('?tab=review');
      expect(await screen.findByText(/Nothing to review/)).toBeInTheDocument();
    });

    it('shows progress while the claims load', async () => {
      const nhiApi = mockNhiApi({
        listClaims: jest.fn(() => new Promise<never>(() => {})),
      });
      await renderPage('?tab=review', { nhiApi });
      expect(screen.getByTestId('progress')).toBeInTheDocument();
      expect(screen.queryByText(/Nothing to review/)).not.toBeInTheDocument();
    });

    it('shows the error when the claims cannot be loaded', async () => {
      const nhiApi = mockNhiApi({
        listClaims: jest.fn(async () => {
          throw new Error('NHI backend is unavailable');
        }),
      });
      await renderPage('?tab=review', { nhiApi });
      expect(
        (await screen.findAllByText(/NHI backend is unavailable/))[0],
      ).toBeInTheDocument();
      expect(screen.queryByText(/Nothing to review/)).not.toBeInTheDocument();
    });
  });
});
