import { NhiSourceStatus } from '@backstage-nhi/plugin-nhi-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { daysAgo, mockNhiApi } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { SourcesCard } from './SourcesCard';

const SOURCES: NhiSourceStatus[] = [
  {
    type: 'aws',
    id: 'production',
    key: 'aws:production',
    lastRun: {
      status: 'succeeded',
      startedAt: daysAgo(3),
      finishedAt: daysAgo(2),
      counts: { entities: 812, changed: 14, removed: 3 },
      errors: [],
    },
  },
  {
    type: 'github',
    id: 'acme',
    key: 'github:acme',
    lastRun: {
      status: 'partial',
      startedAt: daysAgo(5),
      counts: { entities: 40 },
      errors: [
        {
          message: 'rate limited',
          location: 'github.com/acme',
          scope: 'repos',
        },
        { message: 'token lacks read:org' },
        { message: 'timeout', scope: 'apps' },
        { message: 'not shown 1' },
        { message: 'not shown 2' },
      ],
    },
  },
  { type: 'gcp', id: 'dev', key: 'gcp:dev', lastRun: null },
];

function rowOf(key: string) {
  return screen.getByRole('cell', { name: key }).closest('tr')!;
}

function cells(key: string) {
  return within(rowOf(key))
    .getAllByRole('cell')
    .map(c => c.textContent);
}

describe('SourcesCard', () => {
  it('shows each source’s last run: when, status, counts and problems', async () => {
    const nhiApi = mockNhiApi({
      listSources: jest.fn(async () => ({ items: SOURCES })),
    });
    await renderNhi(<SourcesCard />, { nhiApi });

    expect(
      await screen.findByRole('table', { name: 'identity sources' }),
    ).toBeInTheDocument();
    expect(cells('aws:production').slice(0, 6)).toEqual([
      'aws:production',
      '2 days ago',
      'succeeded',
      '812',
      '14 / 3',
      'none',
    ]);
    // Still running or failed without finishing: its start counts.
    expect(cells('github:acme').slice(0, 5)).toEqual([
      'github:acme',
      '5 days ago',
      'partial',
      '40',
      '0 / 0',
    ]);
    const problems = within(rowOf('github:acme')).getAllByRole('cell')[5];
    expect(
      within(problems).getByText('github.com/acme repos: rate limited'),
    ).toBeInTheDocument();
    expect(
      within(problems).getByText('token lacks read:org'),
    ).toBeInTheDocument();
    expect(within(problems).getByText('apps: timeout')).toBeInTheDocument();
    expect(within(problems).queryByText(/not shown/)).not.toBeInTheDocument();
    expect(within(problems).getByText('and 2 more')).toBeInTheDocument();

    expect(cells('gcp:dev').slice(0, 6)).toEqual([
      'gcp:dev',
      'never',
      '—',
      '—',
      '—',
      '',
    ]);
  });

  it('lists the owner names nobody in the catalog matches, most frequent first, and where to map them', async () => {
    const owners = [
      { value: 'payments-squad', count: 12 },
      { value: 'web-squad', count: 9 },
      { value: 'data-squad', count: 1 },
      { value: 'ops', count: 1 },
      { value: 'legacy', count: 1 },
    ];
    const nhiApi = mockNhiApi({
      listSources: jest.fn(async () => ({
        items: [
          {
            ...SOURCES[0],
            lastRun: { ...SOURCES[0].lastRun!, unresolvedOwners: owners },
          },
        ],
      })),
    });
    await renderNhi(<SourcesCard />, { nhiApi });
    const problems = within(
      await screen.findByRole('row', { name: /aws:production/ }),
    ).getAllByRole('cell')[5];
    const text = within(problems).getByText(/^Unknown owners:/);
    expect(text).toHaveTextContent(
      'Unknown owners: payments-squad (12 identities), web-squad (9 identities), data-squad (1 identity) and 2 more',
    );
    expect(problems).not.toHaveTextContent('none');
    await userEvent.hover(text);
    expect(
      await screen.findByRole('tooltip', {
        name: /nhi\.ownership\.aliases.*legacy \(1\)/,
      }),
    ).toBeInTheDocument();
  });

  it('starts a source run, says so and follows it until it is done', async () => {
    jest.useFakeTimers();
    try {
      const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
      const acme = SOURCES[1];
      const running = {
        ...acme,
        lastRun: {
          status: 'running' as const,
          startedAt: new Date().toISOString(),
          counts: {},
          errors: [],
        },
      };
      const done = {
        ...acme,
        lastRun: {
          ...running.lastRun,
          status: 'succeeded' as const,
          finishedAt: new Date().toISOString(),
          counts: { entities: 41, changed: 1, removed: 0 },
        },
      };
      // the scheduler starts the run a little after it was asked for
      const answers = [SOURCES, SOURCES, [running], [running], [done]];
      let call = 0;
      const nhiApi = mockNhiApi({
        listSources: jest.fn(async () => {
          const items = answers[Math.min(call++, answers.length - 1)];
          return {
            items: SOURCES.map(s => items.find(i => i.key === s.key) ?? s),
          };
        }),
      });
      const { alertApi, unmount } = await renderNhi(<SourcesCard />, {
        nhiApi,
      });
      await act(async () => {
        await jest.advanceTimersByTimeAsync(10);
      });
      const run = () =>
        within(rowOf('github:acme')).getByRole('button', { name: 'Run now' });
      await waitFor(() => expect(run()).toBeEnabled());
      const tick = () =>
        act(async () => {
          await jest.advanceTimersByTimeAsync(3000);
        });
      // nothing running: no reloading
      await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(1);

      await user.click(run());
      expect(nhiApi.runSource).toHaveBeenCalledWith('github', 'acme');
      expect(alertApi.post).toHaveBeenCalledWith({
        message: 'github:acme: run started',
        severity: 'info',
        display: 'transient',
      });
      // asked for, not started yet: it cannot be asked for twice
      await waitFor(() => expect(run()).toBeDisabled());
      await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(2);
      expect(run()).toBeDisabled();
      await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(3);
      expect(cells('github:acme')[2]).toBe('running');
      expect(run()).toBeDisabled();
      // the table stays while it reloads
      expect(screen.queryByTestId('progress')).not.toBeInTheDocument();
      await tick();
      await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(5);
      expect(cells('github:acme').slice(2, 5)).toEqual([
        'succeeded',
        '41',
        '1 / 0',
      ]);
      expect(run()).toBeEnabled();
      // done: it stops reloading
      await tick();
      await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(5);

      // a run shown as running is followed too, and not after the card is gone
      call = 2;
      await user.click(
        within(rowOf('aws:production')).getByRole('button', {
          name: 'Run now',
        }),
      );
      await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(6);
      unmount();
      await tick();
      await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(6);
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops waiting for a run that never shows up after two minutes', async () => {
    jest.useFakeTimers();
    try {
      const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
      const nhiApi = mockNhiApi({
        listSources: jest.fn(async () => ({ items: SOURCES })),
      });
      await renderNhi(<SourcesCard />, { nhiApi });
      await act(async () => {
        await jest.advanceTimersByTimeAsync(10);
      });
      const run = () =>
        within(rowOf('gcp:dev')).getByRole('button', { name: 'Run now' });
      await waitFor(() => expect(run()).toBeEnabled());
      await user.click(run());
      await waitFor(() => expect(run()).toBeDisabled());
      const tick = () =>
        act(async () => {
          await jest.advanceTimersByTimeAsync(3000);
        });
      for (let i = 0; i < 39; i++) await tick();
      // 117 s: still waiting, reloading every 3 s
      expect(nhiApi.listSources).toHaveBeenCalledTimes(40);
      expect(run()).toBeDisabled();
      for (let i = 0; i < 2; i++) await tick();
      expect(run()).toBeEnabled();
      // and stopped reloading
      const calls = (nhiApi.listSources as jest.Mock).mock.calls.length;
      for (let i = 0; i < 10; i++) await tick();
      expect(nhiApi.listSources).toHaveBeenCalledTimes(calls);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports a run that could not start', async () => {
    const nhiApi = mockNhiApi({
      listSources: jest.fn(async () => ({ items: SOURCES })),
      runSource: jest.fn(async () => {
        throw new Error('A run of aws:production is already in progress');
      }),
    });
    const { alertApi } = await renderNhi(<SourcesCard />, { nhiApi });
    await screen.findByRole('table', { name: 'identity sources' });
    const run = within(rowOf('aws:production')).getByRole('button', {
      name: 'Run now',
    });
    await waitFor(() => expect(run).toBeEnabled());
    await userEvent.click(run);
    expect(alertApi.post).toHaveBeenCalledWith({
      message: 'A run of aws:production is already in progress',
      severity: 'error',
    });
  });

  it('does not offer runs to users without the permission, and says why', async () => {
    const nhiApi = mockNhiApi({
      listSources: jest.fn(async () => ({ items: SOURCES })),
    });
    await renderNhi(<SourcesCard />, { nhiApi, permission: 'deny' });
    await screen.findByRole('table', { name: 'identity sources' });
    const buttons = screen.getAllByRole('button', { name: 'Run now' });
    expect(buttons).toHaveLength(3);
    for (const button of buttons) expect(button).toBeDisabled();
    await userEvent.hover(buttons[0].parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'You are not allowed to start source runs',
    );
    expect(nhiApi.runSource).not.toHaveBeenCalled();
  });

  describe('a removal the run held', () => {
    const held: NhiSourceStatus = {
      type: 'file',
      id: 'demo',
      key: 'file:demo',
      lastRun: {
        status: 'held',
        startedAt: daysAgo(1),
        finishedAt: daysAgo(1),
        counts: { entities: 2002, changed: 0, removed: 0 },
        errors: [
          {
            message:
              'removal held: the run would remove all 2002 identities of the source. Those identities stay; …',
          },
        ],
        held: {
          count: 2002,
          total: 2002,
          reason: 'the run would remove all 2002 identities of the source',
          since: '2026-12-06T10:00:00.000Z',
        },
      },
    };

    it('says so, and confirms it after asking', async () => {
      const nhiApi = mockNhiApi({
        listSources: jest.fn(async () => ({ items: [held] })),
        confirmHeldRemoval: jest.fn(async () => undefined),
      });
      const { alertApi } = await renderNhi(<SourcesCard />, { nhiApi });
      await screen.findByRole('table', { name: 'identity sources' });
      expect(cells('file:demo')[2]).toBe('held');
      expect(cells('file:demo')[5]).toMatch(/^removal held: the run would/);
      const confirm = within(rowOf('file:demo')).getByRole('button', {
        name: 'Confirm removal',
      });
      await waitFor(() => expect(confirm).toBeEnabled());
      await userEvent.click(confirm);
      const dialog = await screen.findByRole('dialog');
      expect(dialog).toHaveTextContent('Remove 2002 identities of file:demo?');
      expect(dialog).toHaveTextContent(
        'the run would remove all 2002 identities of the source',
      );
      expect(nhiApi.confirmHeldRemoval).not.toHaveBeenCalled();
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Remove them' }),
      );
      expect(nhiApi.confirmHeldRemoval).toHaveBeenCalledWith(
        'file',
        'demo',
        '2026-12-06T10:00:00.000Z',
      );
      expect(alertApi.post).toHaveBeenCalledWith({
        message: 'file:demo: removal confirmed, a run applies it',
        severity: 'info',
        display: 'transient',
      });
    });

    it('cancels without confirming', async () => {
      const nhiApi = mockNhiApi({
        listSources: jest.fn(async () => ({ items: [held] })),
        confirmHeldRemoval: jest.fn(async () => undefined),
      });
      await renderNhi(<SourcesCard />, { nhiApi });
      await screen.findByRole('table', { name: 'identity sources' });
      const confirm = within(rowOf('file:demo')).getByRole('button', {
        name: 'Confirm removal',
      });
      await waitFor(() => expect(confirm).toBeEnabled());
      await userEvent.click(confirm);
      await userEvent.click(
        within(await screen.findByRole('dialog')).getByRole('button', {
          name: 'Cancel',
        }),
      );
      expect(nhiApi.confirmHeldRemoval).not.toHaveBeenCalled();
    });

    it('is not offered to users without nhi.source.run', async () => {
      const nhiApi = mockNhiApi({
        listSources: jest.fn(async () => ({ items: [held] })),
      });
      await renderNhi(<SourcesCard />, { nhiApi, permission: 'deny' });
      await screen.findByRole('table', { name: 'identity sources' });
      expect(
        within(rowOf('file:demo')).getByRole('button', {
          name: 'Confirm removal',
        }),
      ).toBeDisabled();
    });

    it('shows the refusal of a confirmation clearly', async () => {
      const nhiApi = mockNhiApi({
        listSources: jest.fn(async () => ({ items: [held] })),
        confirmHeldRemoval: jest.fn(async () => {
          throw new Error('not allowed: nhi.source.run');
        }),
      });
      const { alertApi } = await renderNhi(<SourcesCard />, { nhiApi });
      await screen.findByRole('table', { name: 'identity sources' });
      const confirm = within(rowOf('file:demo')).getByRole('button', {
        name: 'Confirm removal',
      });
      await waitFor(() => expect(confirm).toBeEnabled());
      await userEvent.click(confirm);
      await userEvent.click(
        within(await screen.findByRole('dialog')).getByRole('button', {
          name: 'Remove them',
        }),
      );
      expect(alertApi.post).toHaveBeenCalledWith({
        message: 'not allowed: nhi.source.run',
        severity: 'error',
      });
    });

    it('says who confirmed it until the run applies it', async () => {
      const confirmed = {
        ...held,
        lastRun: {
          ...held.lastRun!,
          held: {
            ...held.lastRun!.held!,
            confirmedBy: 'user:default/farah.haddad',
            confirmedAt: daysAgo(0),
          },
        },
      };
      await renderNhi(<SourcesCard />, {
        nhiApi: mockNhiApi({
          listSources: jest.fn(async () => ({ items: [confirmed] })),
        }),
      });
      await screen.findByRole('table', { name: 'identity sources' });
      expect(
        within(rowOf('file:demo')).queryByRole('button', {
          name: 'Confirm removal',
        }),
      ).not.toBeInTheDocument();
      expect(
        within(rowOf('file:demo')).getByText(
          'Removal confirmed by user:default/farah.haddad; the next run applies it',
        ),
      ).toBeInTheDocument();
    });
  });

  it('says when no source is configured', async () => {
    await renderNhi(<SourcesCard />);
    expect(
      await screen.findByText(
        'No identity sources are configured (nhi.sources in app-config.yaml).',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows progress while the sources load', async () => {
    const nhiApi = mockNhiApi({
      listSources: jest.fn(() => new Promise<never>(() => {})),
    });
    await renderNhi(<SourcesCard />, { nhiApi });
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(
      screen.queryByText(/No identity sources are configured/),
    ).not.toBeInTheDocument();
  });

  it('shows the error when the sources cannot be loaded', async () => {
    const nhiApi = mockNhiApi({
      listSources: jest.fn(async () => {
        throw new Error('Catalog NHI module is unavailable');
      }),
    });
    await renderNhi(<SourcesCard />, { nhiApi });
    expect(
      (await screen.findAllByText(/Catalog NHI module is unavailable/))[0],
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});
