import '@testing-library/jest-dom';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis } from '@backstage/test-utils';
import {
  AuthorizeResult,
  EvaluatePermissionRequest,
} from '@backstage/plugin-permission-common';
import { nhiCampaignManagePermission } from '@backstage-nhi/plugin-nhi-common';
import {
  campaign,
  campaignDetail,
  counts,
  mockCampaignsApi,
} from '../../__testUtils__/campaigns';
import { page } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { CampaignsTab } from './CampaignsTab';

const q3 = campaign();
const closed = campaign({
  id: 'camp-0',
  name: 'Q2 AWS admin review',
  status: 'closed',
  recurrenceMonths: undefined,
  counts: counts({ certify: 8, revoke: 2 }),
});

function httpError(status: number, message: string) {
  return Object.assign(new Error(message), { statusCode: status });
}

async function renderTab(
  options: Parameters<typeof renderNhi>[1] = {},
  route = '/nhi?tab=campaigns',
) {
  const result = await renderNhi(<CampaignsTab />, {
    routeEntries: [route],
    campaignsApi: mockCampaignsApi({
      listCampaigns: jest.fn(async () => page([q3, closed])),
    }),
    ...options,
  });
  return result;
}

describe('CampaignsTab', () => {
  it('lists the campaigns with their scope, status, due date and progress', async () => {
    await renderTab();
    const table = await screen.findByRole('table', { name: 'campaigns' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent('Q3 AWS admin review');
    expect(rows[1]).toHaveTextContent('quarterly');
    expect(rows[1]).toHaveTextContent('provider aws · rule NHI-ADMIN');
    expect(rows[1]).toHaveTextContent('active');
    expect(
      within(rows[1]).getByRole('progressbar', {
        name: 'decided: 4 of 10 decided (40%)',
      }),
    ).toHaveAttribute('aria-valuenow', '40');
    expect(rows[2]).toHaveTextContent('closed');
    expect(rows[2]).toHaveTextContent('10 of 10 decided (100%)');
    expect(screen.getByText('Access reviews (2)')).toBeInTheDocument();
  });

  it('offers New campaign only to those with nhi.campaign.manage', async () => {
    const authorize = jest.fn((req: EvaluatePermissionRequest) =>
      req.permission.name === nhiCampaignManagePermission.name
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    );
    await renderTab({ permission: mockApis.permission({ authorize }) });
    await screen.findByRole('table', { name: 'campaigns' });
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({ permission: nhiCampaignManagePermission }),
      ),
    );
    expect(
      screen.queryByRole('button', { name: 'New campaign' }),
    ).not.toBeInTheDocument();
  });

  it('starts a campaign from the dialog and opens it', async () => {
    const { campaignsApi } = await renderTab();
    await userEvent.click(
      await screen.findByRole('button', { name: 'New campaign' }),
    );
    const dialog = screen.getByRole('dialog', { name: 'New campaign' });
    const start = within(dialog).getByRole('button', {
      name: 'Start campaign',
    });
    expect(start).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText(/Name/),
      'Quarterly AI agents review',
    );
    await userEvent.type(within(dialog).getByLabelText('Provider'), 'aws');
    await userEvent.click(within(dialog).getByLabelText('Category'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'AI agent' }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Add a filter set' }),
    );
    await userEvent.type(
      within(
        within(dialog).getByRole('group', { name: 'filter set 2' }),
      ).getByLabelText('Owner'),
      'unowned',
    );
    await userEvent.click(within(dialog).getByLabelText('Reviewers'));
    await userEvent.click(
      await screen.findByRole('option', {
        name: "All of the owner team's members",
      }),
    );
    await userEvent.click(
      within(dialog).getByLabelText('Undecided items at the end'),
    );
    await userEvent.click(
      await screen.findByRole('option', { name: 'Mark for revocation' }),
    );
    const due = within(dialog).getByLabelText(/Due date/);
    await userEvent.clear(due);
    await userEvent.type(due, '2099-03-31');
    expect(start).toBeEnabled();
    await userEvent.click(start);

    expect(campaignsApi.createCampaign).toHaveBeenCalledWith({
      name: 'Quarterly AI agents review',
      description: undefined,
      scope: [{ provider: 'aws', category: 'ai-agent' }, { owner: 'unowned' }],
      reviewerRule: 'members',
      dueAt: '2099-03-31T23:59:59.000Z',
      reminderEveryDays: 7,
      dueSoonDays: 3,
      endAction: 'revoke',
      recurrenceMonths: 3,
    });
    // the new campaign opens
    expect(await screen.findByText('Progress')).toBeInTheDocument();
    expect(campaignsApi.getCampaign).toHaveBeenCalledWith('camp-new');
  });

  it('keeps the dialog and what was typed when the backend refuses', async () => {
    const campaignsApi = mockCampaignsApi({
      createCampaign: jest.fn(async () => {
        throw httpError(
          400,
          'no identity matches the scope: there is nothing to review',
        );
      }),
    });
    await renderTab({ campaignsApi });
    await userEvent.click(
      await screen.findByRole('button', { name: 'New campaign' }),
    );
    const dialog = screen.getByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Empty one');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Start campaign' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'no identity matches the scope: there is nothing to review',
    );
    expect(within(dialog).getByLabelText(/Name/)).toHaveValue('Empty one');
  });

  it('shows one campaign with its settings, progress per owner and items', async () => {
    const { campaignsApi } = await renderTab(
      {},
      '/nhi?tab=campaigns&campaign=camp-1',
    );
    expect(await screen.findByText('Q3 AWS admin review')).toBeInTheDocument();
    expect(campaignsApi.getCampaign).toHaveBeenCalledWith('camp-1');
    expect(screen.getByText('provider aws · rule NHI-ADMIN')).toBeVisible();
    expect(screen.getByText("the owner team's leads")).toBeVisible();
    const byOwner = screen.getByRole('list', { name: 'progress by owner' });
    const rows = within(byOwner).getAllByRole('listitem');
    expect(rows[0]).toHaveTextContent('payments');
    expect(rows[0]).toHaveTextContent('4 of 6 decided (66%)');
    expect(rows[1]).toHaveTextContent('unowned');
    expect(rows[1]).toHaveTextContent('0 of 4 decided (0%)');
    expect(campaignsApi.listCampaignItems).toHaveBeenCalledWith('camp-1', {
      toReview: true,
      limit: 100,
    });
  });

  it('closes the campaign after confirmation, for a manager', async () => {
    const campaignsApi = mockCampaignsApi({
      getCampaign: jest
        .fn()
        .mockResolvedValueOnce(campaignDetail())
        .mockResolvedValue(campaignDetail({ status: 'closed' })),
    });
    const { alertApi } = await renderTab(
      { campaignsApi },
      '/nhi?tab=campaigns&campaign=camp-1',
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Close campaign' }),
    );
    const dialog = screen.getByRole('dialog', {
      name: 'Close Q3 AWS admin review?',
    });
    expect(dialog).toHaveTextContent(
      '6 undecided items will stay not reviewed.',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close campaign' }),
    );
    expect(campaignsApi.closeCampaign).toHaveBeenCalledWith('camp-1');
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message:
            'Campaign "Q3 AWS admin review" closed: its decisions are final.',
        }),
      ),
    );
    expect(
      await screen.findByText(/its decisions are final$/),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Close campaign' }),
    ).not.toBeInTheDocument();
  });

  it('offers no Close to someone who does not manage campaigns', async () => {
    await renderTab(
      {
        campaignsApi: mockCampaignsApi({
          getCampaign: jest.fn(async () => campaignDetail({ manage: false })),
        }),
      },
      '/nhi?tab=campaigns&campaign=camp-1',
    );
    await screen.findByText('Q3 AWS admin review');
    expect(
      screen.queryByRole('button', { name: 'Close campaign' }),
    ).not.toBeInTheDocument();
  });

  it('downloads the evidence through the authenticated client', async () => {
    const createObjectURL = jest.fn(() => 'blob:evidence');
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function clicked(this: HTMLAnchorElement) {
        expect(this.download).toBe('campaign-camp-1-evidence.zip');
        expect(this.href).toBe('blob:evidence');
      });
    const { campaignsApi } = await renderTab(
      {},
      '/nhi?tab=campaigns&campaign=camp-1',
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Evidence (zip)' }),
    );
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(campaignsApi.downloadCampaignExport).toHaveBeenCalledWith(
      'camp-1',
      'evidence.zip',
    );
    // freed a minute later, once the browser has read it
    expect(revokeObjectURL).not.toHaveBeenCalled();
    click.mockRestore();
  });

  it('says why an export failed', async () => {
    const { alertApi } = await renderTab(
      {
        campaignsApi: mockCampaignsApi({
          downloadCampaignExport: jest.fn(async () => {
            throw httpError(403, 'not allowed');
          }),
        }),
      },
      '/nhi?tab=campaigns&campaign=camp-1',
    );
    await userEvent.click(await screen.findByRole('button', { name: 'CSV' }));
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith({
        message: 'Could not export items.csv: not allowed',
        severity: 'error',
      }),
    );
  });

  it('shows the error of a campaign that cannot be read', async () => {
    await renderTab(
      {
        campaignsApi: mockCampaignsApi({
          getCampaign: jest.fn(async () => {
            throw httpError(404, 'no campaign camp-9');
          }),
        }),
      },
      '/nhi?tab=campaigns&campaign=camp-9',
    );
    expect(
      await screen.findByText('Error: no campaign camp-9'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'All campaigns' }),
    ).toBeInTheDocument();
  });
});
