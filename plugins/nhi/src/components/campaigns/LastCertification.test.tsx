import '@testing-library/jest-dom';
import { screen } from '@testing-library/react';
import { historyItem, mockCampaignsApi } from '../../__testUtils__/campaigns';
import { nhiEntity, page } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { IdentityOverviewCard } from '../IdentityOverviewCard';
import { lastDecision, LastCertification } from './LastCertification';

const REF = 'nonhumanidentity:default/ci-deployer';

const pendingNow = historyItem({
  campaignId: 'camp-3',
  campaignName: 'Q4 AWS admin review',
  campaignDueAt: '2026-12-31T23:59:59.000Z',
});
const certified = historyItem({
  id: 'item-2',
  campaignId: 'camp-2',
  campaignName: 'Q3 AWS admin review',
  campaignStatus: 'closed',
  decision: 'certify',
  decidedBy: 'user:default/bob',
  decidedAt: '2026-09-20T08:00:00.000Z',
  note: 'still deploys billing',
  decisionSeq: 1,
});
const revoked = historyItem({
  id: 'item-1',
  campaignId: 'camp-1',
  campaignName: 'Q2 AWS admin review',
  campaignStatus: 'closed',
  decision: 'revoke',
  decidedBy: 'user:default/carol',
  decidedAt: '2026-06-20T08:00:00.000Z',
  decisionSeq: 1,
});
const notReviewed = historyItem({
  id: 'item-0',
  campaignStatus: 'closed',
  decision: 'not-reviewed',
  decidedAt: '2026-10-01T00:00:00.000Z',
});

describe('lastDecision', () => {
  it('is the latest decision of a reviewer, and the review in progress', () => {
    expect(lastDecision([pendingNow, notReviewed, revoked, certified])).toEqual(
      { decided: certified, inReview: pendingNow },
    );
    expect(lastDecision([])).toEqual({});
  });
});

describe('LastCertification', () => {
  it('says who decided what, when and in which campaign, and the review now', async () => {
    const campaignsApi = mockCampaignsApi({
      listIdentityCertifications: jest.fn(async () =>
        page([pendingNow, certified, revoked]),
      ),
    });
    await renderNhi(<LastCertification entityRef={REF} />, { campaignsApi });
    const box = await screen.findByLabelText('last certification');
    expect(box).toHaveTextContent(
      'certified by bob on 2026-09-20 in Q3 AWS admin review · “still deploys billing”',
    );
    expect(box).toHaveTextContent(
      'in review now: Q4 AWS admin review, due 2026-12-31',
    );
    expect(
      screen.getByRole('link', { name: 'Q3 AWS admin review' }),
    ).toHaveAttribute('href', '/nhi?tab=campaigns&campaign=camp-2');
    expect(campaignsApi.listIdentityCertifications).toHaveBeenCalledWith({
      entityRef: REF,
      limit: 20,
    });
  });

  it('says when the identity was never certified', async () => {
    await renderNhi(<LastCertification entityRef={REF} />);
    expect(
      await screen.findByText('never certified in an access review'),
    ).toBeInTheDocument();
  });

  it('is in the identity card, and says when the history cannot be read', async () => {
    await renderNhi(<IdentityOverviewCard />, {
      entity: nhiEntity(),
      campaignsApi: mockCampaignsApi({
        listIdentityCertifications: jest.fn(async () => {
          throw new Error('not allowed to read campaigns');
        }),
      }),
    });
    expect(
      await screen.findByText('not available: not allowed to read campaigns'),
    ).toBeInTheDocument();
    expect(screen.getByText(/^last certification$/i)).toBeInTheDocument();
  });
});
