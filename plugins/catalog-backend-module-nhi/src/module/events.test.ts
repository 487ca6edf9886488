import { mockServices } from '@backstage/backend-test-utils';
import {
  NHI_EXCEPTIONS_TOPIC,
  NHI_OWNERSHIP_TOPIC,
} from '@backstage-nhi/plugin-nhi-common';
import { nhiEventHandler } from './events';

const ref = 'nonhumanidentity:default/ci-deployer';
const emitted = {
  entityRef: ref,
  scope: '1',
  hash: 'h',
  sourceKey: 'aws:prod',
};

function setup() {
  const provider = {
    sourceKey: 'aws:prod',
    applyOwnershipChange: jest.fn(async () => true),
    reevaluate: jest.fn(async () => true),
  };
  const store = {
    getEmitted: jest.fn(async (r: string) => (r === ref ? emitted : undefined)),
  };
  const evaluation = { setAccepted: jest.fn() };
  const logger = mockServices.logger.mock();
  const onEvent = nhiEventHandler({
    store,
    providers: [provider],
    evaluation,
    logger,
  });
  return { provider, evaluation, logger, onEvent };
}

describe('nhiEventHandler', () => {
  it('applies a claim through the provider that emitted the identity', async () => {
    const { provider, onEvent } = setup();
    const claim = {
      entityRef: ref,
      owner: 'group:default/shipping',
      claimedBy: 'user:default/ana',
      approvedBy: 'user:default/lead',
      approvedAt: '2026-12-01T00:00:00.000Z',
    };
    await onEvent({
      topic: NHI_OWNERSHIP_TOPIC,
      eventPayload: { entityRef: ref.toUpperCase(), claim },
    });
    expect(provider.applyOwnershipChange).toHaveBeenCalledWith(
      ref,
      claim,
      emitted,
    );
  });

  it('sets accepted risks and evaluates the identity again; a hand-written one waits for the catalog', async () => {
    const { provider, evaluation, logger, onEvent } = setup();
    const accepted = [{ ruleId: 'NHI-ADMIN' }];
    await onEvent({
      topic: NHI_EXCEPTIONS_TOPIC,
      eventPayload: { entityRef: ref, accepted },
    });
    expect(evaluation.setAccepted).toHaveBeenCalledWith(ref, accepted);
    expect(provider.reevaluate).toHaveBeenCalledWith(ref);

    await onEvent({
      topic: NHI_EXCEPTIONS_TOPIC,
      eventPayload: { entityRef: 'nonhumanidentity:default/by-hand' },
    });
    expect(evaluation.setAccepted).toHaveBeenLastCalledWith(
      'nonhumanidentity:default/by-hand',
      [],
    );
    expect(provider.reevaluate).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('it is not ingested by an NHI source'),
    );
  });

  it('logs a change it could not apply instead of throwing', async () => {
    const { provider, logger, onEvent } = setup();
    provider.reevaluate.mockRejectedValueOnce(new Error('catalog down'));
    await onEvent({
      topic: NHI_EXCEPTIONS_TOPIC,
      eventPayload: { entityRef: ref, accepted: [] },
    });
    expect(logger.warn).toHaveBeenCalledWith(
      `NHI change to ${ref} not applied now, the next run will: Error: catalog down`,
    );
  });
});
