import '@testing-library/jest-dom';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  claim,
  mockNhiApi,
  nhiEntity,
  page,
  unownedEntity,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { withPeople } from '../../__testUtils__/people';
import { OwnershipCard } from './OwnershipCard';

const UNOWNED_REF = 'nonhumanidentity:default/legacy-exporter';

async function hoverReason(button: HTMLElement) {
  await userEvent.hover(button.parentElement!);
  return screen.findByRole('tooltip');
}

describe('OwnershipCard', () => {
  it('shows the owner and where the owner came from', async () => {
    const { nhiApi } = await renderNhi(<OwnershipCard />, {
      entity: nhiEntity(),
    });
    expect(screen.getByText(/Owned by/)).toHaveTextContent('Owned by payments');
    expect(screen.getByRole('link', { name: /payments/ })).toHaveAttribute(
      'href',
      '/catalog/default/group/payments',
    );
    expect(
      screen.getByText('named by its source (tag:team)'),
    ).toBeInTheDocument();
    expect(await screen.findByText('No claims yet.')).toBeInTheDocument();
    expect(nhiApi.listClaims).toHaveBeenCalledWith({
      entityRef: 'nonhumanidentity:default/ci-deployer',
      limit: 50,
    });
    // Someone else's identity: claiming it is a transfer.
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Claim (transfer)' }),
      ).toBeEnabled(),
    );
  });

  it('marks an unowned identity, its suggested owners and an owner tag that names nobody', async () => {
    await renderNhi(<OwnershipCard />, {
      entity: unownedEntity({
        ownership: {
          status: 'unowned',
          provenance: 'none',
          suggestedOwners: ['group:default/data'],
          unresolvedOwner: 'team-legacy',
        },
      }),
    });
    expect(screen.getByText('Unowned')).toBeInTheDocument();
    expect(screen.getByText('nobody owns it')).toBeInTheDocument();
    expect(
      screen.getByText(
        'Its source names “team-legacy”, which is not a team in the catalog.',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/Suggested owners/)).toHaveTextContent(
      'Suggested owners: data',
    );
    expect(
      await screen.findByRole('button', { name: 'Claim' }),
    ).toBeInTheDocument();
  });

  it('claims the identity for one of the user’s teams, then reloads the claims', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest
        .fn()
        .mockResolvedValueOnce(page([]))
        .mockResolvedValue(
          page([
            claim({
              id: 'claim-new',
              group: 'group:default/platform',
              justification: 'We run the nightly exporter',
            }),
          ]),
        ),
    });
    await renderNhi(<OwnershipCard />, { entity: unownedEntity(), nhiApi });

    const button = await screen.findByRole('button', { name: 'Claim' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);

    const dialog = screen.getByRole('dialog', {
      name: 'Claim legacy-exporter',
    });
    // The user's teams, not their own user entity.
    expect(
      within(dialog)
        .getAllByRole('radio')
        .map(r => r.getAttribute('value')),
    ).toEqual(['group:default/data', 'group:default/platform']);
    await userEvent.click(within(dialog).getByLabelText('platform'));
    const send = within(dialog).getByRole('button', { name: 'Send claim' });
    expect(send).toBeDisabled();
    await userEvent.click(within(dialog).getByLabelText('justification'));
    await userEvent.paste('We run the nightly exporter');
    expect(send).toBeEnabled();
    await userEvent.click(send);

    expect(nhiApi.createClaim).toHaveBeenCalledWith({
      entityRef: UNOWNED_REF,
      group: 'group:default/platform',
      justification: 'We run the nightly exporter',
    });
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(
      await screen.findByText(/We run the nightly exporter/),
    ).toBeInTheDocument();
    expect(nhiApi.listClaims).toHaveBeenCalledTimes(2);
  });

  it('shows a claim error in the dialog and loses nothing', async () => {
    const nhiApi = mockNhiApi({
      createClaim: jest.fn(async () => {
        throw new Error('You are not a member of group:default/platform');
      }),
    });
    await renderNhi(<OwnershipCard />, { entity: unownedEntity(), nhiApi });
    const button = await screen.findByRole('button', { name: 'Claim' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    const dialog = screen.getByRole('dialog');
    await userEvent.click(within(dialog).getByLabelText('platform'));
    await userEvent.click(within(dialog).getByLabelText('justification'));
    await userEvent.paste('We run the nightly exporter');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Send claim' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'You are not a member of group:default/platform',
    );
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByLabelText('justification')).toHaveValue(
      'We run the nightly exporter',
    );
    expect(within(dialog).getByLabelText('platform')).toBeChecked();
  });

  it('closes the claim dialog with Escape', async () => {
    const { nhiApi } = await renderNhi(<OwnershipCard />, {
      entity: unownedEntity(),
    });
    const button = await screen.findByRole('button', { name: 'Claim' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(nhiApi.createClaim).not.toHaveBeenCalled();
  });

  it('disables Claim with the reason when the user may not claim', async () => {
    await renderNhi(<OwnershipCard />, {
      entity: unownedEntity(),
      permission: 'deny',
    });
    const button = await screen.findByRole('button', { name: 'Claim' });
    expect(button).toBeDisabled();
    expect(await hoverReason(button)).toHaveTextContent(
      'You are not allowed to claim identities',
    );
  });

  it('disables Claim for identities declared in a catalog-info.yaml', async () => {
    await renderNhi(<OwnershipCard />, {
      entity: nhiEntity({
        annotations: {},
        spec: {
          ownership: { status: 'owned', provenance: 'declared' },
        },
      }),
    });
    expect(
      screen.getByText('declared in its catalog-info.yaml'),
    ).toBeInTheDocument();
    const button = screen.getByRole('button', { name: 'Claim (transfer)' });
    expect(button).toBeDisabled();
    expect(await hoverReason(button)).toHaveTextContent(
      'Declared in a catalog-info.yaml: change spec.owner there',
    );
  });

  it('disables Claim when the user is in no other team', async () => {
    await renderNhi(<OwnershipCard />, {
      entity: nhiEntity(),
      identity: {
        ownershipEntityRefs: ['user:default/alice', 'group:default/payments'],
      },
    });
    const button = screen.getByRole('button', { name: 'Claim (transfer)' });
    await waitFor(async () =>
      expect(await hoverReason(button)).toHaveTextContent(
        'You are not a member of any other team',
      ),
    );
    expect(button).toBeDisabled();
  });

  it('lets members of the owning team release a claimed identity', async () => {
    const entity = nhiEntity({
      spec: {
        owner: 'group:default/data',
        ownership: {
          status: 'owned',
          provenance: 'claimed',
          claim: {
            claimedBy: 'user:default/alice',
            approvedBy: 'user:default/bob',
            approvedAt: '2026-02-01T09:30:00Z',
          },
        },
      },
    });
    const { nhiApi, alertApi } = await renderNhi(<OwnershipCard />, {
      entity,
    });
    expect(
      screen.getByText(
        'claimed by user:default/alice, approved by user:default/bob on 2026-02-01',
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      await screen.findByRole('button', { name: 'Release' }),
    );
    expect(nhiApi.releaseOwnership).toHaveBeenCalledWith(
      'nonhumanidentity:default/ci-deployer',
    );
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: 'Released: the identity falls back to its source owner.',
          severity: 'success',
        }),
      ),
    );
  });

  it('offers no Release to users outside the owning team', async () => {
    await renderNhi(<OwnershipCard />, {
      entity: nhiEntity({
        spec: {
          ownership: {
            status: 'owned',
            provenance: 'claimed',
            claim: {
              claimedBy: 'user:default/erin',
              approvedBy: 'user:default/bob',
              approvedAt: '2026-02-01T09:30:00Z',
            },
          },
        },
      }),
    });
    await screen.findByText('No claims yet.');
    expect(
      screen.queryByRole('button', { name: 'Release' }),
    ).not.toBeInTheDocument();
  });

  it('lists the claims with review actions, and lets the claimant withdraw', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest.fn(async () =>
        page([
          claim({
            id: 'claim-mine',
            createdBy: 'user:default/alice',
            review: {
              allowed: false,
              reason: 'You cannot review your own claim',
            },
          }),
          claim({
            id: 'claim-old',
            status: 'rejected',
            group: 'group:default/platform',
            createdBy: 'user:default/erin',
            decidedBy: 'user:default/bob',
            comment: 'Platform does not run it',
          }),
        ]),
      ),
    });
    await renderNhi(withPeople(<OwnershipCard />), {
      entity: unownedEntity(),
      nhiApi,
    });
    expect(await screen.findByText('Claims')).toBeInTheDocument();
    // "claimed by Erin, rejected by Bob", each linked to their page
    const rejected = screen.getByText(/rejected by/).closest('p')!;
    expect(rejected).toHaveTextContent(
      /— Erin, .* · rejected by Bob: “Platform does not run it”/,
    );
    expect(within(rejected).getByRole('link', { name: 'Bob' })).toHaveAttribute(
      'href',
      '/catalog/default/user/bob',
    );
    expect(screen.getByRole('button', { name: 'Approve' })).toBeDisabled();
    expect(screen.getAllByRole('button', { name: 'Approve' })).toHaveLength(1);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Withdraw' }),
    );
    expect(nhiApi.withdrawClaim).toHaveBeenCalledWith('claim-mine');
    await waitFor(() => expect(nhiApi.listClaims).toHaveBeenCalledTimes(2));
  });

  it('shows an error when the claims cannot be loaded', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest.fn(async () => {
        throw new Error('claims backend unavailable');
      }),
    });
    await renderNhi(<OwnershipCard />, { entity: unownedEntity(), nhiApi });
    expect(
      await screen.findAllByText(/claims backend unavailable/),
    ).not.toHaveLength(0);
    expect(screen.queryByText('No claims yet.')).not.toBeInTheDocument();
  });
});
