import '@testing-library/jest-dom';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  NhiActionDescriptor,
  NhiActionRequest,
  NhiRisk,
} from '@backstage-nhi/plugin-nhi-common';
import { mockNhiApi, nhiEntity } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { RiskCard } from './RiskCard';

const ENTITY_REF = 'nonhumanidentity:default/ci-deployer';

const descriptor = (
  id: string,
  title: string,
  more: Partial<NhiActionDescriptor> = {},
): NhiActionDescriptor => ({
  id,
  source: 'aws:production',
  title,
  description: `${title}, as the source says.`,
  destructive: false,
  requiresConfirmation: false,
  target: 'identity',
  permission: 'nhi.action.run',
  inputSchema: {},
  ...more,
});

const OFFERED = [
  descriptor('access-key:deactivate', 'Deactivate access key'),
  descriptor('access-key:delete', 'Delete inactive access key', {
    destructive: true,
    requiresConfirmation: true,
  }),
  descriptor('identity:tag', 'Tag identity'),
];

const risk: NhiRisk = {
  score: 60,
  level: 'high',
  findings: [
    {
      ruleId: 'NHI-DORMANT-CREDENTIAL',
      evidence: 'AKIAOLDKEY0000000001 unused for 210 days',
    },
    { ruleId: 'NHI-NO-OWNER', evidence: 'no owner' },
  ],
};

const entity = nhiEntity({
  spec: {
    risk,
    credentials: [
      {
        id: 'AKIAOLDKEY0000000001',
        kind: 'access-key',
        status: 'active',
        createdAt: '2025-01-01',
      },
      {
        id: 'AKIANEWKEY0000000002',
        kind: 'access-key',
        status: 'active',
        createdAt: '2026-11-01',
      },
    ],
  },
});

const PLAN = {
  changes: [
    {
      target: 'AKIAOLDKEY0000000001',
      operation: 'iam:UpdateAccessKey',
      description:
        'Deactivate access key AKIAOLDKEY0000000001 of IAM user ci-deployer',
      before: 'Active',
      after: 'Inactive',
    },
  ],
  warnings: [],
};

describe('RiskCard remediation actions', () => {
  it('offers "Deactivate key" for the dormant key only, shows the dry run, and runs it with the reason', async () => {
    const nhiApi = mockNhiApi({
      listActions: async () => ({ items: OFFERED }),
      dryRunAction: async () => ({ plan: PLAN }),
      runAction: async () => ({
        status: 'succeeded' as const,
        plan: PLAN,
        result: PLAN,
      }),
    });
    const { alertApi } = await renderNhi(<RiskCard />, { entity, nhiApi });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Deactivate key AKIAOLDKEY0000000001',
      }),
    );
    // the key the evidence does not name is not offered
    expect(
      screen.queryByRole('button', {
        name: 'Deactivate key AKIANEWKEY0000000002',
      }),
    ).not.toBeInTheDocument();

    const dialog = await screen.findByRole('dialog');
    const table = await within(dialog).findByRole('table', {
      name: 'what would change',
    });
    expect(table).toHaveTextContent('Active');
    expect(table).toHaveTextContent('Inactive');
    expect(nhiApi.dryRunAction).toHaveBeenCalledWith('access-key:deactivate', {
      entityRef: ENTITY_REF,
      input: { accessKeyId: 'AKIAOLDKEY0000000001' },
    });
    const confirm = within(dialog).getByRole('button', { name: 'Confirm' });
    // a reason is required
    expect(confirm).toBeDisabled();
    expect(nhiApi.runAction).not.toHaveBeenCalled();
    await userEvent.type(
      within(dialog).getByLabelText(/Why\?/),
      'Unused since May',
    );
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(nhiApi.runAction).toHaveBeenCalledWith('access-key:deactivate', {
        entityRef: ENTITY_REF,
        input: { accessKeyId: 'AKIAOLDKEY0000000001' },
        reason: 'Unused since May',
      }),
    );
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: expect.stringContaining('done'),
        }),
      ),
    );
    // the log is read again
    expect(nhiApi.listActionRequests).toHaveBeenCalledTimes(2);
  });

  it('shows an error of the dry run and never runs', async () => {
    const nhiApi = mockNhiApi({
      listActions: async () => ({ items: OFFERED }),
      dryRunAction: async () => {
        throw new Error(
          'access key AKIAOLDKEY0000000001 is not a key of IAM user ci-deployer',
        );
      },
    });
    await renderNhi(<RiskCard />, { entity, nhiApi });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Deactivate key AKIAOLDKEY0000000001',
      }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'is not a key of IAM user',
    );
    expect(
      within(screen.getByRole('dialog')).getByRole('button', {
        name: 'Confirm',
      }),
    ).toBeDisabled();
  });

  it('asks for the tags before the dry run of a tag action', async () => {
    const nhiApi = mockNhiApi({
      listActions: async () => ({ items: OFFERED }),
      dryRunAction: async () => ({
        plan: {
          changes: [
            {
              target: 'arn',
              operation: 'iam:TagUser',
              description: 'Tag IAM user ci-deployer with owner=payments',
              after: 'owner=payments',
            },
          ],
        },
      }),
    });
    await renderNhi(<RiskCard />, { entity, nhiApi });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Tag owner and expiry' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(nhiApi.dryRunAction).not.toHaveBeenCalled();
    await userEvent.type(
      within(dialog).getByLabelText('Owner (team)'),
      'payments',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Preview' }),
    );
    await waitFor(() =>
      expect(nhiApi.dryRunAction).toHaveBeenCalledWith('identity:tag', {
        entityRef: ENTITY_REF,
        input: { tags: { owner: 'payments' } },
      }),
    );
    expect(
      await within(dialog).findByText(/owner=payments/, { selector: 'p' }),
    ).toBeInTheDocument();
  });

  it('offers no buttons to someone not allowed to see the actions', async () => {
    const nhiApi = mockNhiApi({
      listActions: async () => {
        throw Object.assign(new Error('not allowed: nhi.action.read'), {
          response: { status: 403 },
        });
      },
    });
    await renderNhi(<RiskCard />, { entity, nhiApi });
    expect(
      await screen.findByText('NHI-DORMANT-CREDENTIAL', { exact: false }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /Deactivate key/ }),
    ).not.toBeInTheDocument();
  });

  it('lists pending requests; another person confirms one, the requester cannot', async () => {
    const pending: NhiActionRequest = {
      id: 'req-1',
      action: 'access-key:delete',
      source: 'aws:production',
      entityRef: ENTITY_REF,
      input: { accessKeyId: 'AKIAOLDKEY0000000001' },
      reason: 'deactivated for a month, nothing broke',
      requestedBy: 'user:default/bob',
      requestedAt: '2026-12-01T10:00:00Z',
      status: 'pending',
      plan: PLAN,
    };
    const nhiApi = mockNhiApi({
      listActions: async () => ({ items: OFFERED }),
      listActionRequests: async () => ({ items: [pending] }),
    });
    await renderNhi(<RiskCard />, { entity, nhiApi });
    const row = await screen.findByTestId('nhi-action-req-1');
    expect(row).toHaveTextContent('waiting for a second person');
    expect(row).toHaveTextContent('deactivated for a month, nothing broke');
    await userEvent.click(
      within(row).getByRole('button', { name: 'Confirm and run' }),
    );
    await waitFor(() =>
      expect(nhiApi.confirmActionRequest).toHaveBeenCalledWith('req-1'),
    );

    const own = mockNhiApi({
      listActionRequests: async () => ({ items: [pending] }),
    });
    await renderNhi(<RiskCard />, {
      entity,
      nhiApi: own,
      identity: { userEntityRef: 'user:default/bob' },
    });
    const mine = (await screen.findAllByTestId('nhi-action-req-1')).at(-1)!;
    expect(
      within(mine).queryByRole('button', { name: 'Confirm and run' }),
    ).not.toBeInTheDocument();
  });
});
