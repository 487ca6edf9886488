import '@testing-library/jest-dom';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { campaignItem, mockCampaignsApi } from '../../__testUtils__/campaigns';
import { page } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { ReviewTable } from './ReviewTable';

const deployer = campaignItem();
const exporter = campaignItem({
  id: 'item-2',
  entityRef: 'nonhumanidentity:default/legacy-exporter',
  title: 'legacy-exporter',
  owner: undefined,
  reviewer: 'group:default/security',
  reviewerKind: 'fallback',
  riskLevel: 'critical',
  riskScore: 95,
  ruleIds: ['NHI-UNOWNED-PAST-GRACE'],
});
const ownKey = campaignItem({
  id: 'item-3',
  entityRef: 'nonhumanidentity:default/alice-key',
  title: 'alice-key',
  review: {
    allowed: false,
    reason: 'nobody certifies an identity they created',
  },
});
const decided = campaignItem({
  id: 'item-4',
  title: 'old-bot',
  decision: 'revoke',
  decidedBy: 'user:default/bob',
  decidedAt: '2026-11-30T10:00:00.000Z',
  note: 'the bot was retired in March',
  decisionSeq: 1,
  remediation: {
    action: 'revoke',
    status: 'open',
    openedAt: '2026-11-30T10:00:00.000Z',
  },
});

function row(title: string) {
  return screen.getByRole('row', { name: title });
}

function httpError(status: number, message: string) {
  return Object.assign(new Error(message), {
    name: 'ResponseError',
    statusCode: status,
  });
}

async function renderTable(
  campaignsApi = mockCampaignsApi({
    listCampaignItems: jest.fn(async () =>
      page([deployer, exporter, ownKey, decided]),
    ),
  }),
  active = true,
) {
  const onChange = jest.fn();
  const result = await renderNhi(
    <ReviewTable campaignId="camp-1" active={active} onChange={onChange} />,
    { campaignsApi },
  );
  await screen.findByRole('table', { name: 'campaign items' });
  return { ...result, onChange };
}

describe('ReviewTable', () => {
  it('lists the items waiting for the caller with identity, owner, risk, reviewer and state', async () => {
    const { campaignsApi } = await renderTable();
    expect(campaignsApi.listCampaignItems).toHaveBeenCalledWith('camp-1', {
      toReview: true,
      limit: 100,
    });
    expect(screen.getByText('4 of 4 shown')).toBeInTheDocument();

    const first = row('ci-deployer');
    expect(
      within(first).getByRole('link', { name: 'ci-deployer' }),
    ).toHaveAttribute('href', '/catalog/default/nonhumanidentity/ci-deployer');
    // the owner, and its reviewer
    expect(
      within(first).getAllByRole('link', { name: 'payments' }),
    ).toHaveLength(2);
    expect(within(first).getByLabelText('risk high')).toHaveTextContent(
      'high · 70',
    );
    expect(first).toHaveTextContent('NHI-ADMIN');
    expect(first).toHaveTextContent('waiting');

    const second = row('legacy-exporter');
    expect(second).toHaveTextContent('unowned');
    expect(second).toHaveTextContent('fallback group');

    const fourth = row('old-bot');
    expect(fourth).toHaveTextContent('revoke');
    expect(fourth).toHaveTextContent('bob, 2026-11-30');
    expect(fourth).toHaveTextContent('“the bot was retired in March”');
    expect(fourth).toHaveTextContent('remediation open');
  });

  it('lists every item when "only waiting for me" is switched off, and searches', async () => {
    const { campaignsApi } = await renderTable();
    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Only items waiting for me' }),
    );
    await waitFor(() =>
      expect(campaignsApi.listCampaignItems).toHaveBeenLastCalledWith(
        'camp-1',
        { limit: 100 },
      ),
    );
    await userEvent.type(screen.getByLabelText('Search'), 'AKIA');
    await waitFor(() =>
      expect(campaignsApi.listCampaignItems).toHaveBeenLastCalledWith(
        'camp-1',
        { q: 'AKIA', limit: 100 },
      ),
    );
  });

  it('certifies one item without a note and reloads', async () => {
    const { campaignsApi, alertApi, onChange } = await renderTable();
    await userEvent.click(
      within(row('ci-deployer')).getByRole('button', { name: 'Certify' }),
    );
    expect(campaignsApi.decideCampaignItem).toHaveBeenCalledWith(
      'camp-1',
      'item-1',
      { decision: 'certify', note: undefined, replaces: undefined },
    );
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({ message: 'Certified: ci-deployer.' }),
      ),
    );
    expect(campaignsApi.listCampaignItems).toHaveBeenCalledTimes(2);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('revokes with a required note', async () => {
    const { campaignsApi } = await renderTable();
    await userEvent.click(
      within(row('legacy-exporter')).getByRole('button', { name: 'Revoke' }),
    );
    const dialog = screen.getByRole('dialog', {
      name: 'Revoke legacy-exporter',
    });
    const submit = within(dialog).getByRole('button', { name: 'Revoke' });
    expect(submit).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText(/Note/), 'no');
    expect(submit).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText(/Note/),
      ' longer used since the export moved',
    );
    await userEvent.click(submit);
    expect(campaignsApi.decideCampaignItem).toHaveBeenCalledWith(
      'camp-1',
      'item-2',
      {
        decision: 'revoke',
        note: 'no longer used since the export moved',
        replaces: undefined,
      },
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('changes a decision with the decision it replaces', async () => {
    const { campaignsApi } = await renderTable();
    const old = row('old-bot');
    expect(within(old).getByRole('button', { name: 'Revoke' })).toBeDisabled();
    await userEvent.click(within(old).getByRole('button', { name: 'Certify' }));
    expect(campaignsApi.decideCampaignItem).toHaveBeenCalledWith(
      'camp-1',
      'item-4',
      { decision: 'certify', note: undefined, replaces: 1 },
    );
  });

  it('disables what the caller may not decide and says why', async () => {
    await renderTable();
    const own = row('alice-key');
    const certify = within(own).getByRole('button', { name: 'Certify' });
    expect(certify).toBeDisabled();
    expect(
      within(own).getByRole('checkbox', { name: 'select alice-key' }),
    ).toBeDisabled();
    await userEvent.hover(certify.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'nobody certifies an identity they created',
    );
  });

  it('decides the selected items at once and shows each refusal with its reason', async () => {
    const campaignsApi = mockCampaignsApi({
      listCampaignItems: jest.fn(async () =>
        page([deployer, exporter, ownKey, decided]),
      ),
      decideCampaignItems: jest.fn(async () => ({
        done: [deployer],
        refused: [
          {
            itemId: 'item-2',
            status: 409,
            reason: 'legacy-exporter was decided already by user:default/bob',
          },
        ],
      })),
    });
    const { alertApi } = await renderTable(campaignsApi);
    await userEvent.click(screen.getByRole('checkbox', { name: 'select all' }));
    // only undecided items the caller may decide are selected
    expect(
      screen.getByRole('checkbox', { name: 'select ci-deployer' }),
    ).toBeChecked();
    expect(
      screen.getByRole('checkbox', { name: 'select legacy-exporter' }),
    ).toBeChecked();
    expect(
      screen.getByRole('checkbox', { name: 'select old-bot' }),
    ).not.toBeChecked();

    await userEvent.click(
      screen.getByRole('button', { name: 'Reduce selected (2)' }),
    );
    const dialog = screen.getByRole('dialog', { name: 'Reduce 2 identities' });
    await userEvent.type(
      within(dialog).getByLabelText(/Note/),
      'read-only is enough',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Reduce' }),
    );

    expect(campaignsApi.decideCampaignItems).toHaveBeenCalledWith('camp-1', {
      itemIds: ['item-1', 'item-2'],
      decision: 'reduce',
      note: 'read-only is enough',
    });
    const refused = await screen.findByLabelText('refused');
    expect(refused).toHaveTextContent('1 not done');
    expect(refused).toHaveTextContent(
      'legacy-exporter: legacy-exporter was decided already by user:default/bob',
    );
    await userEvent.click(
      within(refused).getByRole('button', { name: 'Dismiss' }),
    );
    expect(screen.queryByLabelText('refused')).not.toBeInTheDocument();
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'Marked for reduction: ci-deployer.',
      }),
    );
  });

  it('says when someone else decided meanwhile (409) and reloads', async () => {
    const campaignsApi = mockCampaignsApi({
      listCampaignItems: jest.fn(async () => page([deployer])),
      decideCampaignItem: jest.fn(async () => {
        throw httpError(
          409,
          'ci-deployer was decided already by user:default/bob (revoke)',
        );
      }),
    });
    const { alertApi, onChange } = await renderTable(campaignsApi);
    await userEvent.click(screen.getByRole('button', { name: 'Certify' }));
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith({
        message:
          'Not saved: ci-deployer was decided already by user:default/bob (revoke). The list shows the current decisions now.',
        severity: 'warning',
      }),
    );
    await waitFor(() =>
      expect(campaignsApi.listCampaignItems).toHaveBeenCalledTimes(2),
    );
    expect(onChange).toHaveBeenCalled();
  });

  it('shows the backend’s refusal in the dialog and keeps the note', async () => {
    const campaignsApi = mockCampaignsApi({
      listCampaignItems: jest.fn(async () => page([deployer])),
      decideCampaignItem: jest.fn(async () => {
        throw httpError(
          403,
          'you cannot decide this item: nobody decides their own claim',
        );
      }),
    });
    await renderTable(campaignsApi);
    await userEvent.click(screen.getByRole('button', { name: 'Revoke' }));
    const dialog = screen.getByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(/Note/), 'not needed');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'you cannot decide this item: nobody decides their own claim',
    );
    expect(within(dialog).getByLabelText(/Note/)).toHaveValue('not needed');
    expect(campaignsApi.listCampaignItems).toHaveBeenCalledTimes(1);
  });

  it('hands an item on to someone else with a reason', async () => {
    const campaignsApi = mockCampaignsApi({
      listCampaignItems: jest.fn(async () => page([deployer])),
      reassignCampaignItems: jest.fn(async () => ({
        done: [deployer],
        refused: [],
      })),
    });
    const { alertApi } = await renderTable(campaignsApi);
    await userEvent.click(screen.getByRole('button', { name: 'Hand on' }));
    const dialog = screen.getByRole('dialog', { name: 'Hand ci-deployer on' });
    const submit = within(dialog).getByRole('button', { name: 'Hand on' });
    await userEvent.type(
      within(dialog).getByLabelText(/To/),
      'group:default/platform',
    );
    expect(submit).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText(/Reason/),
      'the platform team runs the deployer now',
    );
    await userEvent.click(submit);
    expect(campaignsApi.reassignCampaignItems).toHaveBeenCalledWith('camp-1', {
      itemIds: ['item-1'],
      to: 'group:default/platform',
      reason: 'the platform team runs the deployer now',
    });
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({ message: 'Handed on: ci-deployer.' }),
      ),
    );
  });

  it('offers no decisions in a closed campaign and lists all its items', async () => {
    const { campaignsApi } = await renderTable(undefined, false);
    expect(campaignsApi.listCampaignItems).toHaveBeenCalledWith('camp-1', {
      limit: 100,
    });
    expect(
      screen.queryByRole('button', { name: 'Certify' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('checkbox', { name: 'Only items waiting for me' }),
    ).not.toBeInTheDocument();
  });

  it('loads the next page on request', async () => {
    const listCampaignItems = jest.fn(async (_id: string, q: any = {}) =>
      q.cursor
        ? { items: [exporter], totalCount: 2 }
        : { items: [deployer], totalCount: 2, nextCursor: 'c2' },
    );
    await renderTable(mockCampaignsApi({ listCampaignItems }));
    expect(screen.getByText('1 of 2 shown')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Show more' }));
    expect(await screen.findByText('2 of 2 shown')).toBeInTheDocument();
    expect(listCampaignItems).toHaveBeenLastCalledWith('camp-1', {
      toReview: true,
      limit: 100,
      cursor: 'c2',
    });
    expect(
      screen.queryByRole('button', { name: 'Show more' }),
    ).not.toBeInTheDocument();
  });
});
