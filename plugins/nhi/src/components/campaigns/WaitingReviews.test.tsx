import '@testing-library/jest-dom';
import { screen, within } from '@testing-library/react';
import { mockCampaignsApi } from '../../__testUtils__/campaigns';
import { daysAgo, daysFromNow, teamEntity } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { TeamWaitingReviewsCard, WaitingReviews } from './WaitingReviews';

const waiting = [
  {
    campaignId: 'camp-1',
    campaignName: 'Q3 AWS admin review',
    dueAt: daysFromNow(10),
    overdue: false,
    count: 12,
  },
  {
    campaignId: 'camp-0',
    campaignName: 'Every AI agent',
    dueAt: daysAgo(2),
    overdue: true,
    count: 1,
  },
];

describe('WaitingReviews', () => {
  it('lists the campaigns with items the signed-in user may decide', async () => {
    const campaignsApi = mockCampaignsApi({
      listWaitingReviews: jest.fn(async () => ({ items: waiting })),
    });
    await renderNhi(<WaitingReviews />, { campaignsApi });
    expect(
      await screen.findByText('Reviews waiting for you (13)'),
    ).toBeInTheDocument();
    expect(campaignsApi.listWaitingReviews).toHaveBeenCalledWith({});
    const items = within(
      screen.getByRole('list', { name: 'campaigns waiting' }),
    ).getAllByRole('listitem');
    expect(
      within(items[0]).getByRole('link', { name: 'Q3 AWS admin review' }),
    ).toHaveAttribute('href', '/nhi?tab=campaigns&campaign=camp-1');
    expect(items[0]).toHaveTextContent('12 identities to decide · due');
    expect(items[0]).not.toHaveTextContent('overdue');
    expect(items[1]).toHaveTextContent('1 identity to decide');
    expect(items[1]).toHaveTextContent('overdue');
  });

  it('says when nothing waits for the user', async () => {
    await renderNhi(<WaitingReviews />);
    expect(
      await screen.findByText('Nothing is waiting for your decision.'),
    ).toBeInTheDocument();
    expect(screen.getByText('Reviews waiting for you (0)')).toBeInTheDocument();
  });

  it('shows an error when the reviews cannot be read', async () => {
    await renderNhi(<WaitingReviews />, {
      campaignsApi: mockCampaignsApi({
        listWaitingReviews: jest.fn(async () => {
          throw new Error('campaigns backend unavailable');
        }),
      }),
    });
    expect(
      await screen.findByText('Error: campaigns backend unavailable'),
    ).toBeInTheDocument();
  });
});

describe('TeamWaitingReviewsCard', () => {
  it("asks for the team's identities waiting for a decision", async () => {
    const campaignsApi = mockCampaignsApi({
      listWaitingReviews: jest.fn(async () => ({ items: [waiting[0]] })),
    });
    await renderNhi(<TeamWaitingReviewsCard />, {
      entity: teamEntity,
      campaignsApi,
    });
    expect(
      await screen.findByText('Access reviews waiting for this team (12)'),
    ).toBeInTheDocument();
    expect(campaignsApi.listWaitingReviews).toHaveBeenCalledWith({
      group: 'group:default/payments',
    });
  });

  it('says when no identity of the team is waiting', async () => {
    await renderNhi(<TeamWaitingReviewsCard />, { entity: teamEntity });
    expect(
      await screen.findByText(
        'No identity of this team is waiting for a decision.',
      ),
    ).toBeInTheDocument();
  });
});
