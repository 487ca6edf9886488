import '@testing-library/jest-dom';
import { screen } from '@testing-library/react';
import { historyItem, mockCampaignsApi } from '../../__testUtils__/campaigns';
import { nhiEntity, page } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { IdentityOverviewCard } from '../IdentityOverviewCard';
import { LastCertification } from './LastCertification';

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

describe('LastCertification', () => {
  it('says who decided what, when and in which campaign, and the review now', async () => {
    const campaignsApi = mockCampaignsApi({
      listIdentityCertifications: jest.fn(async q =>
        page(q.decided ? [certified] : [pendingNow]),
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
    // the last decision, and the newest campaign it is in
    expect(campaignsApi.listIdentityCertifications).toHaveBeenCalledWith({
      entityRef: REF,
      decided: true,
      limit: 1,
    });
    expect(campaignsApi.listIdentityCertifications).toHaveBeenCalledWith({
      entityRef: REF,
      limit: 1,
    });
  });

  it('shows no review in progress when the newest campaign decided it', async () => {
    await renderNhi(<LastCertification entityRef={REF} />, {
      campaignsApi: mockCampaignsApi({
        listIdentityCertifications: jest.fn(async () => page([certified])),
      }),
    });
    const box = await screen.findByLabelText('last certification');
    expect(box).toHaveTextContent('certified by bob on 2026-09-20');
    expect(box).not.toHaveTextContent('in review now');
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
