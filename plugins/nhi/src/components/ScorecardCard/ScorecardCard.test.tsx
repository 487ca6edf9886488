import '@testing-library/jest-dom';
import { act, screen, within } from '@testing-library/react';
import { CheckResult } from '@backstage-community/plugin-tech-insights-common';
import {
  checkResult,
  deferred,
  serviceEntity,
  teamEntity,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { ScorecardCard } from './ScorecardCard';

const noCritical = checkResult({
  id: 'nhi-component-no-critical-identities',
  name: 'No critical non-human identities',
  passed: true,
  facts: {
    critical: {
      description: 'Identities the component uses at risk level critical',
      value: 0,
    },
  },
});
const rotation = checkResult({
  id: 'nhi-component-rotation-within-policy',
  name: 'No credential past its rotation policy',
  passed: false,
  facts: {
    overdueRotation: {
      description:
        'Identities the component uses with a credential past its rotation policy',
      value: 3,
    },
    // A fact the check does not judge is not shown.
    identities: { description: 'Non-human identities', value: 12 },
  },
});
const leaked = checkResult({
  id: 'nhi-component-no-leaked-credentials',
  name: 'No leaked credential',
  passed: true,
  description: 'No secret scanner found a credential of the identities.',
});
const custom = checkResult({
  id: 'nhi-component-has-runbook',
  name: 'Every identity has a runbook',
  passed: false,
  description: 'Each identity links the runbook for rotating it.',
});

/** The checks as listed: outcome, name and what is shown below the name. */
function checks() {
  const list = screen.getByRole('list', { name: 'NHI checks' });
  return within(list)
    .getAllByRole('listitem')
    .map(item => [
      within(item).queryByRole('img', { name: 'failed' }) ? 'failed' : '',
      within(item).queryByRole('img', { name: 'passed' }) ? 'passed' : '',
      item.querySelector('.MuiListItemText-primary')?.textContent,
      item.querySelector('.MuiListItemText-secondary')?.textContent,
    ]);
}

describe('ScorecardCard', () => {
  it('lists the checks of a service, failing first, with the number behind each', async () => {
    const run = jest.fn(async () => [noCritical, rotation, leaked, custom]);
    await renderNhi(<ScorecardCard />, {
      entity: serviceEntity,
      scorecardsApi: { run },
    });

    expect(await screen.findByText('2 of 4 checks pass')).toBeInTheDocument();
    expect(screen.getByText('NHI hygiene scorecard')).toBeInTheDocument();
    expect(checks()).toEqual([
      [
        'failed',
        '',
        'No credential past its rotation policy',
        'Identities the component uses with a credential past its rotation policy: 3',
      ],
      [
        'failed',
        '',
        'Every identity has a runbook',
        'Each identity links the runbook for rotating it.',
      ],
      [
        '',
        'passed',
        'No critical non-human identities',
        'Identities the component uses at risk level critical: 0',
      ],
      [
        '',
        'passed',
        'No leaked credential',
        'No secret scanner found a credential of the identities.',
      ],
    ]);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith('component:default/billing-worker');
  });

  it('runs the checks of a team', async () => {
    const run = jest.fn(async () => [
      checkResult({
        id: 'nhi-group-ownership-coverage',
        name: 'Ownership coverage at least 90%',
        passed: false,
        facts: {
          ownershipCoverage: {
            description:
              'Percentage of the identities the group owns that have an owner',
            value: 72.5,
          },
        },
      }),
    ]);
    await renderNhi(<ScorecardCard />, {
      entity: teamEntity,
      scorecardsApi: { run },
    });
    expect(await screen.findByText('0 of 1 checks pass')).toBeInTheDocument();
    expect(
      screen.getByText(
        'Percentage of the identities the group owns that have an owner: 72.5%',
      ),
    ).toBeInTheDocument();
    expect(run).toHaveBeenCalledWith('group:default/payments');
  });

  it('shows the measure behind each graded team check', async () => {
    const measure = (
      id: string,
      fact: string,
      value: number,
      passed: boolean,
    ) =>
      checkResult({
        id: `nhi-group-${id}`,
        name: id,
        passed,
        facts: { [fact]: { description: fact, value } },
      });
    await renderNhi(<ScorecardCard />, {
      entity: teamEntity,
      scorecardsApi: {
        run: jest.fn(async () => [
          measure(
            'credentials-within-policy',
            'credentialsWithinPolicy',
            81.25,
            false,
          ),
          measure('dormant-share', 'dormantShare', 4, true),
          measure('critical-per-100', 'criticalPer100', 0.5, true),
        ]),
      },
    });
    expect(await screen.findByText('2 of 3 checks pass')).toBeInTheDocument();
    expect(checks().map(c => c[3])).toEqual([
      'credentialsWithinPolicy: 81.25%',
      'dormantShare: 4%',
      'criticalPer100: 0.5',
    ]);
  });

  it('says a team with no identities has nothing to grade, rather than that it passes', async () => {
    await renderNhi(<ScorecardCard />, {
      entity: teamEntity,
      scorecardsApi: { run: jest.fn(async () => []) },
    });
    expect(
      await screen.findByText(/^No identities: nothing to grade\./),
    ).toBeInTheDocument();
    expect(screen.queryByText(/checks pass/)).not.toBeInTheDocument();
    expect(screen.queryByText(/No NHI checks/)).not.toBeInTheDocument();
  });

  it('shows progress while the checks run', async () => {
    const pending = deferred<CheckResult[]>();
    await renderNhi(<ScorecardCard />, {
      entity: serviceEntity,
      scorecardsApi: { run: jest.fn(() => pending.promise) },
    });
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(screen.queryByText(/No NHI checks/)).not.toBeInTheDocument();
    expect(screen.queryByText(/checks pass/)).not.toBeInTheDocument();

    await act(async () => pending.resolve([leaked]));
    expect(await screen.findByText('1 of 1 checks pass')).toBeInTheDocument();
    expect(screen.queryByTestId('progress')).not.toBeInTheDocument();
  });

  it('says when no NHI checks are configured', async () => {
    await renderNhi(<ScorecardCard />, {
      entity: serviceEntity,
      scorecardsApi: { run: jest.fn(async () => []) },
    });
    expect(
      await screen.findByText('No NHI checks are configured.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('list')).not.toBeInTheDocument();
    expect(screen.queryByText(/checks pass/)).not.toBeInTheDocument();
  });

  it('explains why the scorecard is unavailable when the checks cannot run', async () => {
    await renderNhi(<ScorecardCard />, {
      entity: serviceEntity,
      scorecardsApi: {
        run: jest.fn(async () => {
          throw new Error('No facts for nhiComponentFactRetriever');
        }),
      },
    });
    expect(
      await screen.findByText(
        'The scorecard is not available yet: No facts for nhiComponentFactRetriever. Its facts are computed on a schedule by Tech Insights.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/No NHI checks/)).not.toBeInTheDocument();
    expect(screen.queryByRole('list')).not.toBeInTheDocument();
  });
});
