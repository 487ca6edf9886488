import '@testing-library/jest-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NhiClaim, NhiPage } from '@backstage-nhi/plugin-nhi-common';
import {
  claim,
  deferred,
  mockNhiApi,
  page,
  teamEntity,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { withPeople } from '../../__testUtils__/people';
import { TeamReviewCard } from './TeamReviewCard';

const TEAM_REF = 'group:default/payments';

/** Erin's claim of legacy-exporter for the team; the user may review it. */
const exporterClaim = claim({
  id: 'claim-exporter',
  entityRef: 'nonhumanidentity:default/legacy-exporter',
  group: TEAM_REF,
  createdBy: 'user:default/erin',
  justification: 'Our ledger export reads S3 with it',
  review: { allowed: true },
});

/** The user's own transfer request: they may not review it. */
const deployerTransfer = claim({
  id: 'claim-deployer',
  kind: 'transfer',
  entityRef: 'nonhumanidentity:default/ci-deployer',
  group: TEAM_REF,
  createdBy: 'user:default/alice',
  justification: 'We took over the deploy pipeline',
  review: { allowed: false, reason: 'nobody reviews their own claim' },
});

/** The list item of the claim whose justification matches. */
function item(justification: RegExp) {
  return screen.getByText(justification).closest('li') as HTMLElement;
}

async function hoverReason(button: HTMLElement) {
  await userEvent.hover(button.parentElement!);
  return screen.findByRole('tooltip');
}

describe('TeamReviewCard', () => {
  it('lists the open claims for the team with the identity, who asked and why', async () => {
    const { nhiApi } = await renderNhi(withPeople(<TeamReviewCard />), {
      entity: teamEntity,
      nhiApi: mockNhiApi({
        listClaims: jest.fn(async () =>
          page([exporterClaim, deployerTransfer]),
        ),
      }),
    });

    expect(
      await screen.findByText('Claims waiting for review (2)'),
    ).toBeInTheDocument();
    expect(nhiApi.listClaims).toHaveBeenCalledWith({
      group: TEAM_REF,
      status: 'open',
      limit: 50,
    });

    const first = item(/Our ledger export reads S3 with it/);
    expect(first).toHaveTextContent(
      /^Claim for payments · legacy-exporter · open“/,
    );
    expect(first).toHaveTextContent(
      '“Our ledger export reads S3 with it” — Erin, 2 days ago',
    );
    expect(within(first).getByRole('link', { name: 'Erin' })).toHaveAttribute(
      'href',
      '/catalog/default/user/erin',
    );
    expect(
      within(first).getByRole('link', { name: 'legacy-exporter' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/nonhumanidentity/legacy-exporter',
    );
    expect(
      within(first).getByRole('link', { name: 'payments' }),
    ).toHaveAttribute('href', '/catalog/default/group/payments');
    expect(
      within(first).getByRole('button', { name: 'Approve' }),
    ).toBeEnabled();
    expect(within(first).getByRole('button', { name: 'Reject' })).toBeEnabled();
    // Only the claimant withdraws.
    expect(
      within(first).queryByRole('button', { name: 'Withdraw' }),
    ).not.toBeInTheDocument();

    const second = item(/We took over the deploy pipeline/);
    expect(second).toHaveTextContent(
      /^Transfer to payments · ci-deployer · open“/,
    );
    expect(
      within(second).getByRole('link', { name: 'ci-deployer' }),
    ).toHaveAttribute('href', '/catalog/default/nonhumanidentity/ci-deployer');
  });

  it('loads the next page of claims on request and keeps the first if it fails', async () => {
    const listClaims = jest.fn(async (q: { cursor?: string } = {}) => {
      if (q.cursor === 'page-2') throw new Error('claims backend unavailable');
      return { items: [exporterClaim], totalCount: 2, nextCursor: 'page-2' };
    });
    await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi: mockNhiApi({ listClaims }),
    });
    expect(
      await screen.findByText('Claims waiting for review (2)'),
    ).toBeInTheDocument();
    expect(screen.getByText('1 of 2 shown')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Show more' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load more claims: claims backend unavailable',
    );
    expect(listClaims).toHaveBeenLastCalledWith({
      group: TEAM_REF,
      status: 'open',
      limit: 50,
      cursor: 'page-2',
    });
    // what was shown stays
    expect(
      screen.getByText(/Our ledger export reads S3 with it/),
    ).toBeVisible();
  });

  it('shows progress while the claims load', async () => {
    const pending = deferred<NhiPage<NhiClaim>>();
    await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi: mockNhiApi({ listClaims: jest.fn(() => pending.promise) }),
    });
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(screen.getByText('Claims waiting for review')).toBeInTheDocument();
    expect(
      screen.queryByText(/No claims for this team/),
    ).not.toBeInTheDocument();

    await act(async () => pending.resolve(page([exporterClaim])));
    expect(
      await screen.findByText(/Our ledger export reads S3 with it/),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('progress')).not.toBeInTheDocument();
  });

  it('says when no claim for the team is waiting', async () => {
    await renderNhi(<TeamReviewCard />, { entity: teamEntity });
    expect(
      await screen.findByText('No claims for this team are waiting.'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Claims waiting for review (0)'),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Approve' }),
    ).not.toBeInTheDocument();
  });

  it('shows an error when the claims cannot be loaded', async () => {
    await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi: mockNhiApi({
        listClaims: jest.fn(async () => {
          throw new Error('claims backend unavailable');
        }),
      }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'claims backend unavailable',
    );
    expect(
      screen.queryByText(/No claims for this team/),
    ).not.toBeInTheDocument();
  });

  it('disables approve and reject with the reason when the user may not review', async () => {
    await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi: mockNhiApi({
        listClaims: jest.fn(async () =>
          page([
            deployerTransfer,
            claim({
              id: 'claim-no-review',
              group: TEAM_REF,
              createdBy: 'user:default/erin',
              justification: 'We need it for the nightly job',
              review: undefined,
            }),
          ]),
        ),
      }),
    });

    const own = item(/We took over the deploy pipeline/);
    const approve = within(own).getByRole('button', { name: 'Approve' });
    expect(approve).toBeDisabled();
    expect(within(own).getByRole('button', { name: 'Reject' })).toBeDisabled();
    expect(await hoverReason(approve)).toHaveTextContent(
      'nobody reviews their own claim',
    );
    await userEvent.unhover(approve.parentElement!);
    await waitFor(() =>
      expect(screen.queryByRole('tooltip')).not.toBeInTheDocument(),
    );

    // Without a decision from the backend, nobody may review.
    const other = item(/We need it for the nightly job/);
    const reject = within(other).getByRole('button', { name: 'Reject' });
    expect(reject).toBeDisabled();
    expect(
      within(other).getByRole('button', { name: 'Approve' }),
    ).toBeDisabled();
    expect(await hoverReason(reject)).toHaveTextContent(
      'You cannot review this claim',
    );
  });

  it('approves a claim in place and reloads the claims', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest
        .fn()
        .mockResolvedValueOnce(page([exporterClaim, deployerTransfer]))
        .mockResolvedValue(page([deployerTransfer])),
    });
    const { alertApi } = await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi,
    });
    await screen.findByText(/Our ledger export reads S3 with it/);

    await userEvent.click(
      within(item(/Our ledger export reads S3 with it/)).getByRole('button', {
        name: 'Approve',
      }),
    );

    expect(nhiApi.approveClaim).toHaveBeenCalledTimes(1);
    expect(nhiApi.approveClaim).toHaveBeenCalledWith('claim-exporter');
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: 'Approved: group:default/payments owns it now.',
          severity: 'success',
        }),
      ),
    );
    expect(
      await screen.findByText('Claims waiting for review (1)'),
    ).toBeInTheDocument();
    expect(
      screen.queryByText(/Our ledger export reads S3 with it/),
    ).not.toBeInTheDocument();
    expect(nhiApi.listClaims).toHaveBeenCalledTimes(2);
    expect(nhiApi.rejectClaim).not.toHaveBeenCalled();
  });

  it('reports a failed approval and keeps the claim', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest.fn(async () => page([exporterClaim])),
      approveClaim: jest.fn(async () => {
        throw new Error(
          'the permission policy does not allow you to review it',
        );
      }),
    });
    const { alertApi } = await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi,
    });
    const approve = await screen.findByRole('button', { name: 'Approve' });
    await userEvent.click(approve);

    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith({
        message: 'the permission policy does not allow you to review it',
        severity: 'error',
      }),
    );
    expect(
      screen.getByText(/Our ledger export reads S3 with it/),
    ).toBeInTheDocument();
    // Not busy any more: the reviewer can try again.
    await waitFor(() => expect(approve).toBeEnabled());
    expect(nhiApi.listClaims).toHaveBeenCalledTimes(1);
  });

  it('rejects a claim with a comment for the claimant and reloads the claims', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest
        .fn()
        .mockResolvedValueOnce(page([exporterClaim]))
        .mockResolvedValue(page([])),
    });
    const { alertApi } = await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi,
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Reject' }),
    );

    const dialog = screen.getByRole('dialog', {
      name: 'Reject the claim of group:default/payments',
    });
    const submit = within(dialog).getByRole('button', { name: 'Reject' });
    expect(submit).toBeDisabled();
    await userEvent.click(
      within(dialog).getByLabelText(/Why\? The claimant reads this\./),
    );
    await userEvent.paste('  The data team runs the exporter  ');
    expect(submit).toBeEnabled();
    await userEvent.click(submit);

    expect(nhiApi.rejectClaim).toHaveBeenCalledWith(
      'claim-exporter',
      'The data team runs the exporter',
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'Claim rejected.',
        severity: 'success',
      }),
    );
    expect(
      await screen.findByText('No claims for this team are waiting.'),
    ).toBeInTheDocument();
    expect(nhiApi.listClaims).toHaveBeenCalledTimes(2);
    expect(nhiApi.approveClaim).not.toHaveBeenCalled();
  });

  it('keeps the reject dialog and the comment when rejecting fails', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest.fn(async () => page([exporterClaim])),
      rejectClaim: jest.fn(async () => {
        throw new Error('the claim is closed');
      }),
    });
    await renderNhi(<TeamReviewCard />, { entity: teamEntity, nhiApi });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Reject' }),
    );
    const dialog = screen.getByRole('dialog');
    const comment = within(dialog).getByLabelText(/Why\? The claimant reads/);
    await userEvent.click(comment);
    await userEvent.paste('The data team runs the exporter');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Reject' }),
    );

    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'the claim is closed',
    );
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(comment).toHaveValue('The data team runs the exporter');
    expect(nhiApi.listClaims).toHaveBeenCalledTimes(1);
  });

  it('closes the reject dialog on Cancel without calling the API', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest.fn(async () => page([exporterClaim])),
    });
    await renderNhi(<TeamReviewCard />, { entity: teamEntity, nhiApi });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Reject' }),
    );
    await userEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', {
        name: 'Cancel',
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(nhiApi.rejectClaim).not.toHaveBeenCalled();
    expect(nhiApi.listClaims).toHaveBeenCalledTimes(1);
  });

  it('lets the claimant withdraw their own claim and reloads the claims', async () => {
    const nhiApi = mockNhiApi({
      listClaims: jest
        .fn()
        .mockResolvedValueOnce(page([exporterClaim, deployerTransfer]))
        .mockResolvedValue(page([exporterClaim])),
    });
    const { alertApi } = await renderNhi(<TeamReviewCard />, {
      entity: teamEntity,
      nhiApi,
    });
    await screen.findByText(/We took over the deploy pipeline/);
    // Only on the signed-in user's (alice's) claim.
    expect(screen.getAllByRole('button', { name: 'Withdraw' })).toHaveLength(1);
    await userEvent.click(
      within(item(/We took over the deploy pipeline/)).getByRole('button', {
        name: 'Withdraw',
      }),
    );

    expect(nhiApi.withdrawClaim).toHaveBeenCalledWith('claim-deployer');
    await waitFor(() =>
      expect(
        screen.queryByText(/We took over the deploy pipeline/),
      ).not.toBeInTheDocument(),
    );
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'Claim withdrawn.',
        severity: 'success',
      }),
    );
    expect(nhiApi.listClaims).toHaveBeenCalledTimes(2);
  });
});
