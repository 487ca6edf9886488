import { NhiApprovedClaim } from '@backstage-nhi/plugin-nhi-common';
import { RecentClaims } from './claimOverlay';
import { emptyContext } from './__testUtils__/run';

const claim = (entityRef: string, owner: string): NhiApprovedClaim => ({
  entityRef,
  owner,
  claimedBy: 'user:default/ana',
  approvedBy: 'user:default/lead',
  approvedAt: '2026-12-01T00:00:00.000Z',
});

describe('RecentClaims', () => {
  const a = 'nonhumanidentity:default/a';
  const b = 'nonhumanidentity:default/b';

  it('lays events after the feed was read over it, a release included, and forgets older ones', () => {
    const recent = new RecentClaims();
    const context = {
      ...emptyContext(),
      claims: new Map([
        [a, claim(a, 'group:default/from-feed')],
        [b, claim(b, 'group:default/from-feed')],
      ]),
    };
    recent.set(a, claim(a, 'group:default/from-event'), 2_000);
    recent.set(b, null, 2_000);

    const overlaid = recent.overlay(context, 1_000);
    expect(overlaid.claims.get(a)?.owner).toBe('group:default/from-event');
    expect(overlaid.claims.get(b)).toBeUndefined();
    expect(overlaid.directory).toBe(context.directory);

    // the next feed read (after the events) has them: the feed wins again
    const next = recent.overlay(context, 3_000);
    expect(next.claims.get(a)?.owner).toBe('group:default/from-feed');
    expect(next.claims.get(b)?.owner).toBe('group:default/from-feed');
  });
});
