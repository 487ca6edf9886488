import '@testing-library/jest-dom';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NhiException, NhiRisk } from '@backstage-nhi/nhi-common';
import {
  daysFromNow,
  mockNhiApi,
  nhiEntity,
  page,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
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
    expect(
      within(admin).getByRole('button', { name: 'Accept' }),
    ).toBeInTheDocument();

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
      active: true,
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
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });

    expect(await screen.findByText('Accepted risks')).toBeInTheDocument();
    expect(
      screen.getByText(
        'NHI-CREDENTIAL-NOT-ROTATED until 2026-12-31 — “Vendor integration, rotation scheduled with the vendor” (user:default/carol)',
      ),
    ).toBeInTheDocument();

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

  it('accepts a finding until a date with a justification', async () => {
    const nhiApi = mockNhiApi();
    const { alertApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    await waitFor(() => expect(nhiApi.listExceptions).toHaveBeenCalledTimes(1));

    await userEvent.click(
      within(findingRow('Administrator access')).getByRole('button', {
        name: 'Accept',
      }),
    );
    const dialog = screen.getByRole('dialog', {
      name: 'Accept “Administrator access”',
    });
    const submit = within(dialog).getByRole('button', { name: 'Accept risk' });
    // Defaults to 30 days from now.
    const until = within(dialog).getByLabelText('Accepted until');
    expect(until).toHaveValue(daysFromNow(30).slice(0, 10));

    await userEvent.type(
      within(dialog).getByLabelText(/Why is this risk acceptable/),
      'too short',
    );
    expect(submit).toBeDisabled();
    await userEvent.paste(' — break-glass role, used twice a year');
    fireEvent.change(until, { target: { value: '2026-11-30' } });
    expect(submit).toBeEnabled();
    await userEvent.click(submit);

    expect(nhiApi.createException).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      ruleId: 'NHI-ADMIN',
      justification: 'too short — break-glass role, used twice a year',
      until: '2026-11-30T23:59:59.000Z',
    });
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'NHI-ADMIN accepted until 2026-11-30',
        severity: 'success',
      }),
    );
    // The accepted risks are loaded again.
    await waitFor(() => expect(nhiApi.listExceptions).toHaveBeenCalledTimes(2));
  });

  it('keeps the dialog and the text when accepting fails', async () => {
    const nhiApi = mockNhiApi({
      createException: jest.fn(async () => {
        throw new Error('until must be at most a year away');
      }),
    });
    await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
      nhiApi,
    });
    await userEvent.click(screen.getByRole('button', { name: 'Accept' }));
    const dialog = screen.getByRole('dialog');
    const text = within(dialog).getByLabelText(/Why is this risk acceptable/);
    await userEvent.click(text);
    await userEvent.paste('break-glass role for incidents');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Accept risk' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'until must be at most a year away',
    );
    expect(text).toHaveValue('break-glass role for incidents');
    expect(
      within(dialog).getByRole('button', { name: 'Accept risk' }),
    ).toBeEnabled();
  });

  it('closes the accept dialog with Escape without calling the API', async () => {
    const { nhiApi } = await renderNhi(<RiskCard />, {
      entity: nhiEntity({ spec: { risk } }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Accept' }));
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
