import '@testing-library/jest-dom';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DAY, NhiException, NhiRisk } from '@backstage-nhi/plugin-nhi-common';
import {
  daysFromNow,
  mockNhiApi,
  nhiEntity,
  page,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { withPeople } from '../../__testUtils__/people';
import { RiskCard } from './RiskCard';

const ENTITY_REF = 'nonhumanidentity:default/ci-deployer';

// as the spec keeps them: severity and OWASP risk come from the rule catalog
// unless the policy set another severity
const risk: NhiRisk = {
  score: 87,
  level: 'critical',
  findings: [
    {
      ruleId: 'NHI-ADMIN',
      evidence: 'policy AdministratorAccess attached to the user',
    },
  ],
  accepted: [
    {
      ruleId: 'NHI-CREDENTIAL-NOT-ROTATED',
      evidence: 'AKIAIOSFODNN7EXAMPLE overdue (policy access-key:90d)',
      until: '2026-12-31T23:59:59Z',
      by: 'user:default/carol',
    },
  ],
};

const exception: NhiException = {
  id: 'exc-1',
  entityRef: ENTITY_REF,
  ruleId: 'NHI-CREDENTIAL-NOT-ROTATED',
  justification: 'Vendor integration, rotation scheduled with the vendor',
  until: '2026-12-31T23:59:59Z',
  status: 'active',
  createdBy: 'user:default/carol',
  createdAt: '2026-01-10T00:00:00Z',
};

// with a medium finding an owner accepts at once, and a leaked credential
const wider: NhiRisk = {
  score: 90,
  level: 'critical',
  findings: [
    { ruleId: 'NHI-LEAKED-CREDENTIAL', evidence: 'AKIA… in a public gist' },
    { ruleId: 'NHI-SHARED-IDENTITY', evidence: 'used by 3 services' },
  ],
};

const request: NhiException = {
  id: 'exc-2',
  entityRef: ENTITY_REF,
  ruleId: 'NHI-ADMIN',
  severity: 'critical',
  justification: 'Break-glass role for incidents',
  until: '2027-01-31T23:59:59Z',
  status: 'requested',
  createdBy: 'user:default/alice',
  createdAt: '2026-12-01T00:00:00Z',
  review: { allowed: true },
};

function findingRow(title: string) {
  return screen.getByText(title).closest('tr') as HTMLElement;
}

describe('RiskCard', () => {
  it('shows the score and level, and each finding with severity, OWASP risk, evidence and remediation', async () => {
    const { nhiApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
    });

    expect(screen.getByText('critical · 87')).toBeInTheDocument();
    expect(
      screen.getByText('1 open finding(s), 1 accepted'),
    ).toBeInTheDocument();

    const admin = findingRow('Administrator access');
    expect(within(admin).getByLabelText('risk critical')).toBeInTheDocument();
    expect(admin).toHaveTextContent('NHI-ADMIN · NHI5 Overprivileged NHI');
    expect(admin).toHaveTextContent(
      'policy AdministratorAccess attached to the user',
    );
    expect(admin).toHaveTextContent(
      'Replace administrator access with a policy scoped to what the workload does',
    );
    // critical: an owner asks a reviewer
    expect(
      await within(admin).findByRole('button', { name: 'Request acceptance' }),
    ).toBeEnabled();

    const rotation = findingRow('Credential past its rotation policy');
    expect(within(rotation).getByLabelText('risk high')).toBeInTheDocument();
    expect(rotation).toHaveTextContent(
      'NHI-CREDENTIAL-NOT-ROTATED · NHI7 Long-Lived Secrets',
    );
    expect(rotation).toHaveTextContent(
      'accepted until 2026-12-31 by user:default/carol',
    );
    // An accepted finding cannot be accepted again.
    expect(
      within(rotation).queryByRole('button', { name: 'Accept' }),
    ).not.toBeInTheDocument();
    // one row per finding, open and accepted
    expect(
      within(screen.getByRole('table', { name: 'findings' })).getAllByRole(
        'row',
      ),
    ).toHaveLength(3);

    expect(screen.getByRole('link', { name: /All rules/ })).toHaveAttribute(
      'href',
      '/nhi?tab=rules',
    );
    expect(nhiApi.listExceptions).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      status: ['requested', 'active'],
      limit: 100,
    });
  });

  it('lists the accepted risks and revokes one', async () => {
    const nhiApi = mockNhiApi({
      listExceptions: jest
        .fn()
        .mockResolvedValueOnce(page([exception]))
        .mockResolvedValue(page([])),
    });
    await renderNhi(withPeople(<RiskCard />), {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });

    expect(await screen.findByText('Accepted risks')).toBeInTheDocument();
    const acceptedRisk = screen.getByText(/^NHI-CREDENTIAL-NOT-ROTATED until/);
    expect(acceptedRisk).toHaveTextContent(
      'NHI-CREDENTIAL-NOT-ROTATED until 2026-12-31 — “Vendor integration, rotation scheduled with the vendor” (Carol)',
    );
    // who asked, by name, linked to their page
    expect(
      within(acceptedRisk).getByRole('link', { name: 'Carol' }),
    ).toHaveAttribute('href', '/catalog/default/user/carol');

    await userEvent.click(screen.getByRole('button', { name: 'Revoke' }));
    expect(nhiApi.revokeException).toHaveBeenCalledWith('exc-1');
    await waitFor(() =>
      expect(screen.queryByText('Accepted risks')).not.toBeInTheDocument(),
    );
    expect(nhiApi.listExceptions).toHaveBeenCalledTimes(2);
  });

  it('reports a failed revoke instead of failing silently', async () => {
    const nhiApi = mockNhiApi({
      listExceptions: jest.fn(async () => page([exception])),
      revokeException: jest.fn(async () => {
        throw new Error('You are not allowed to revoke accepted risks');
      }),
    });
    const { alertApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Revoke' }),
    );
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith({
        message: 'You are not allowed to revoke accepted risks',
        severity: 'error',
      }),
    );
    expect(screen.getByText('Accepted risks')).toBeInTheDocument();
  });

  it('asks a reviewer to accept a critical finding, within the longest exception allowed', async () => {
    const nhiApi = mockNhiApi({
      createException: jest.fn(async req => ({
        ...req,
        id: 'exc-new',
        status: 'requested' as const,
        severity: 'critical' as const,
        createdBy: 'user:default/alice',
        createdAt: new Date().toISOString(),
      })),
    });
    const { alertApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    await waitFor(() => expect(nhiApi.listExceptions).toHaveBeenCalledTimes(1));

    await userEvent.click(
      await within(findingRow('Administrator access')).findByRole('button', {
        name: 'Request acceptance',
      }),
    );
    const dialog = screen.getByRole('dialog', {
      name: 'Request acceptance of “Administrator access”',
    });
    expect(dialog).toHaveTextContent(
      'This is a critical finding: a reviewer approves or rejects its acceptance',
    );
    const submit = within(dialog).getByRole('button', { name: 'Send request' });
    // Defaults to 30 days from now, at most 90 for a critical finding.
    const until = within(dialog).getByLabelText('Accepted until');
    expect(until).toHaveValue(daysFromNow(30).slice(0, 10));
    expect(until).toHaveAttribute('max', daysFromNow(90).slice(0, 10));
    expect(until).toHaveAttribute('min', daysFromNow(1).slice(0, 10));
    expect(dialog).toHaveTextContent('At most 90 days for a critical finding');

    await userEvent.type(
      within(dialog).getByLabelText(/Why is this risk acceptable/),
      'too short',
    );
    expect(submit).toBeDisabled();
    await userEvent.paste(' — break-glass role, used twice a year');
    expect(submit).toBeEnabled();
    // a year is too long for a critical finding
    fireEvent.change(until, {
      target: { value: daysFromNow(365).slice(0, 10) },
    });
    expect(submit).toBeDisabled();
    expect(dialog).toHaveTextContent(
      `At most 90 days for a critical finding: ${daysFromNow(90).slice(
        0,
        10,
      )} at the latest`,
    );
    const date = daysFromNow(60).slice(0, 10);
    fireEvent.change(until, { target: { value: date } });
    expect(submit).toBeEnabled();
    await userEvent.click(submit);

    expect(nhiApi.createException).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      ruleId: 'NHI-ADMIN',
      justification: 'too short — break-glass role, used twice a year',
      until: `${date}T23:59:59.000Z`,
    });
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message: `Acceptance of NHI-ADMIN until ${date} requested; a reviewer decides.`,
        severity: 'success',
      }),
    );
    // The accepted risks and requests are loaded again.
    await waitFor(() => expect(nhiApi.listExceptions).toHaveBeenCalledTimes(2));
  });

  it('never sends a date past the limit, even at the end of the last day', async () => {
    const nhiApi = mockNhiApi();
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Request acceptance' }),
    );
    const dialog = screen.getByRole('dialog');
    await userEvent.click(
      within(dialog).getByLabelText(/Why is this risk acceptable/),
    );
    await userEvent.paste('break-glass role for incidents');
    fireEvent.change(within(dialog).getByLabelText('Accepted until'), {
      target: { value: daysFromNow(90).slice(0, 10) },
    });
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Send request' }),
    );
    const sent = Date.parse(
      (nhiApi.createException as jest.Mock).mock.calls[0][0].until,
    );
    expect(sent).toBeLessThanOrEqual(Date.now() + 90 * DAY);
    expect(sent).toBeGreaterThan(Date.now() + 89 * DAY);
  });

  it('accepts a medium finding at once, for up to a year', async () => {
    const nhiApi = mockNhiApi();
    const { alertApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk: wider } }),
      nhiApi,
    });
    await userEvent.click(
      await within(findingRow('Shared by several services')).findByRole(
        'button',
        { name: 'Accept' },
      ),
    );
    const dialog = screen.getByRole('dialog', {
      name: 'Accept “Shared by several services”',
    });
    expect(within(dialog).getByLabelText('Accepted until')).toHaveAttribute(
      'max',
      daysFromNow(365).slice(0, 10),
    );
    await userEvent.click(
      within(dialog).getByLabelText(/Why is this risk acceptable/),
    );
    await userEvent.paste('the split is planned for next quarter');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Accept risk' }),
    );
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: `NHI-SHARED-IDENTITY accepted until ${daysFromNow(30).slice(
            0,
            10,
          )}`,
        }),
      ),
    );
  });

  it('does not offer to accept a leaked credential', async () => {
    const { nhiApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk: wider } }),
    });
    await waitFor(() =>
      expect(nhiApi.getExceptionPolicy).toHaveBeenCalledTimes(1),
    );
    const leaked = findingRow('Credential found by a secret scanner');
    expect(
      await within(leaked).findByText('cannot be accepted: rotate it'),
    ).toBeInTheDocument();
    expect(within(leaked).queryByRole('button')).not.toBeInTheDocument();
  });

  it('lets a reviewer accept a critical finding directly', async () => {
    const nhiApi = mockNhiApi({
      getExceptionPolicy: jest.fn(async () => ({
        maxDays: { critical: 90, high: 90, medium: 365, low: 365 },
        reviewRequired: ['critical' as const, 'high' as const],
        notAcceptable: ['NHI-LEAKED-CREDENTIAL'],
        reviewer: true,
      })),
    });
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    await userEvent.click(
      await within(findingRow('Administrator access')).findByRole('button', {
        name: 'Accept',
      }),
    );
    expect(
      screen.getByRole('dialog', { name: 'Accept “Administrator access”' }),
    ).toBeInTheDocument();
  });

  it('shows a reviewer the requests, and approves one', async () => {
    const nhiApi = mockNhiApi({
      listExceptions: jest
        .fn()
        .mockResolvedValueOnce(page([request]))
        .mockResolvedValue(page([])),
    });
    const { alertApi } = await renderNhi(withPeople(<RiskCard />), {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
      identity: { userEntityRef: 'user:default/farah' },
    });
    expect(await screen.findByText('Requests to accept')).toBeInTheDocument();
    expect(screen.getByText(/^NHI-ADMIN \(critical\) until/)).toHaveTextContent(
      'NHI-ADMIN (critical) until 2027-01-31 — “Break-glass role for incidents” (Alice)',
    );
    // the finding itself is not offered again
    expect(
      within(findingRow('Administrator access')).getByText(
        'acceptance requested',
      ),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
    expect(nhiApi.approveException).toHaveBeenCalledWith('exc-2');
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: 'NHI-ADMIN accepted until 2027-01-31',
          severity: 'success',
        }),
      ),
    );
    await waitFor(() =>
      expect(screen.queryByText('Requests to accept')).not.toBeInTheDocument(),
    );
  });

  it('lets a reviewer reject a request with a reason, and shows the backend’s refusal', async () => {
    const nhiApi = mockNhiApi({
      listExceptions: jest.fn(async () => page([request])),
      rejectException: jest.fn(async () => {
        throw new Error('you cannot review this request: it is rejected');
      }),
    });
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
      identity: { userEntityRef: 'user:default/farah' },
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Reject' }),
    );
    const dialog = screen.getByRole('dialog', {
      name: 'Reject the request to accept NHI-ADMIN',
    });
    const reject = within(dialog).getByRole('button', { name: 'Reject' });
    expect(reject).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText(/The requester reads this/),
      'Scope the role down instead',
    );
    await userEvent.click(reject);
    expect(nhiApi.rejectException).toHaveBeenCalledWith(
      'exc-2',
      'Scope the role down instead',
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'you cannot review this request: it is rejected',
    );
  });

  it('shows the requester their request waiting, and lets them withdraw it', async () => {
    const nhiApi = mockNhiApi({
      listExceptions: jest
        .fn()
        .mockResolvedValueOnce(
          page([
            {
              ...request,
              review: {
                allowed: false,
                reason: 'nobody reviews their own request',
              },
            },
          ]),
        )
        .mockResolvedValue(page([])),
    });
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    expect(
      await screen.findByText('waiting for a reviewer'),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Approve' }),
    ).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Withdraw' }));
    expect(nhiApi.revokeException).toHaveBeenCalledWith('exc-2');
    await waitFor(() =>
      expect(screen.queryByText('Requests to accept')).not.toBeInTheDocument(),
    );
  });

  it('keeps the dialog and the text when the backend refuses', async () => {
    const nhiApi = mockNhiApi({
      createException: jest.fn(async () => {
        throw new Error(
          `NHI-ADMIN is not a finding of ${ENTITY_REF}: only what its risk evaluation found can be accepted`,
        );
      }),
    });
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Request acceptance' }),
    );
    const dialog = screen.getByRole('dialog');
    const text = within(dialog).getByLabelText(/Why is this risk acceptable/);
    await userEvent.click(text);
    await userEvent.paste('break-glass role for incidents');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Send request' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      `NHI-ADMIN is not a finding of ${ENTITY_REF}: only what its risk evaluation found can be accepted`,
    );
    expect(text).toHaveValue('break-glass role for incidents');
    expect(
      within(dialog).getByRole('button', { name: 'Send request' }),
    ).toBeEnabled();
  });

  it('says when what may be accepted could not be loaded', async () => {
    const nhiApi = mockNhiApi({
      getExceptionPolicy: jest.fn(async () => {
        throw new Error('not allowed: nhi.claim.read');
      }),
    });
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'What may be accepted could not be loaded: not allowed: nhi.claim.read',
    );
  });

  it('closes the accept dialog with Escape without calling the API', async () => {
    const { nhiApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Request acceptance' }),
    );
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(nhiApi.createException).not.toHaveBeenCalled();
  });

  it('says when nothing was found', async () => {
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({
        spec: { risk: { score: 0, level: 'none', findings: [] } },
      }),
    });
    expect(screen.getByText('none · 0')).toBeInTheDocument();
    expect(screen.getByText('no findings')).toBeInTheDocument();
    expect(
      screen.getByText('Nothing wrong found with this identity.'),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('table', { name: 'findings' }),
    ).not.toBeInTheDocument();
  });

  it('says when the identity has not been evaluated', async () => {
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk: undefined } }),
    });
    expect(
      screen.getByText('This identity has not been evaluated yet.'),
    ).toBeInTheDocument();
    expect(screen.queryByText('no findings')).not.toBeInTheDocument();
  });
});
