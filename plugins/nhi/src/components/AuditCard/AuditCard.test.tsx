import '@testing-library/jest-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NhiAuditEntry, NhiPage } from '@backstage-nhi/plugin-nhi-common';
import {
  auditEntry,
  deferred,
  mockNhiApi,
  nhiEntity,
  page,
} from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { withPeople } from '../../__testUtils__/people';
import { dateTime } from '../shared';
import { AuditCard } from './AuditCard';

const ENTITY_REF = 'nonhumanidentity:default/ci-deployer';

const approved = auditEntry({
  id: 4,
  at: '2026-02-03T10:15:42.000Z',
  actor: 'user:default/bob',
  action: 'claim.approved',
  details: {
    group: 'group:default/data',
    comment: 'Confirmed with the data team',
  },
});
const claimed = auditEntry({
  id: 3,
  at: '2026-02-01T09:30:00.000Z',
  actor: 'user:default/alice',
  action: 'claim.created',
  details: {
    group: 'group:default/data',
    justification: 'Our nightly export job reads S3 with it',
  },
});
const accepted = auditEntry({
  id: 2,
  at: '2026-01-10T08:00:00.000Z',
  actor: 'user:default/carol',
  action: 'exception.created',
  exceptionId: 'exc-1',
  details: {
    ruleId: 'NHI-ADMIN',
    until: '2026-12-31T23:59:59.000Z',
    justification: 'Break-glass role',
  },
});
const unknown = auditEntry({
  id: 1,
  at: '2026-01-02T00:00:00.000Z',
  actor: 'user:default/dave',
  action: 'identity.imported',
  details: {},
});

/** The cells of each data row of the audit table, as text. */
function rows() {
  const table = screen.getByRole('table', { name: 'audit history' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map(row =>
      within(row)
        .getAllByRole('cell')
        .map(cell => cell.textContent),
    );
}

function auditPage(
  items: NhiAuditEntry[],
  totalCount: number,
  nextCursor?: string,
): NhiPage<NhiAuditEntry> {
  return { ...page(items, nextCursor), totalCount };
}

describe('AuditCard', () => {
  it('lists who did what and when, with the details of each entry', async () => {
    const nhiApi = mockNhiApi({
      listAudit: jest.fn(async () =>
        page([approved, claimed, accepted, unknown]),
      ),
    });
    await renderNhi(withPeople(<AuditCard />), { entity: nhiEntity(), nhiApi });

    expect(await screen.findByText('Audit history (4)')).toBeInTheDocument();
    // times in the viewer's own zone (format.test.ts: dateTime)
    expect(rows()).toEqual([
      [
        dateTime(approved.at),
        'Bob',
        'approved a claim',
        'group:default/data · “Confirmed with the data team”',
      ],
      [
        dateTime(claimed.at),
        'Alice',
        'claimed',
        'group:default/data · “Our nightly export job reads S3 with it”',
      ],
      [
        dateTime(accepted.at),
        'Carol',
        'accepted a risk',
        'NHI-ADMIN · until 2026-12-31 · “Break-glass role”',
      ],
      // An action the card does not know is shown as it is.
      [dateTime(unknown.at), 'Dave', 'identity.imported', ''],
    ]);
    // each person by name, linked to their page
    expect(screen.getByRole('link', { name: 'Bob' })).toHaveAttribute(
      'href',
      '/catalog/default/user/bob',
    );
    // the exact time, in UTC, on hover
    expect(screen.getByText(dateTime(approved.at))).toHaveAttribute(
      'title',
      '2026-02-03T10:15:42.000Z',
    );
    expect(nhiApi.listAudit).toHaveBeenCalledTimes(1);
    expect(nhiApi.listAudit).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      limit: 25,
      cursor: undefined,
    });
    // Read-only: nothing to edit, and no more pages to load.
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(screen.queryByTestId('progress')).not.toBeInTheDocument();
  });

  it('tells transfers and requests to accept a risk apart', async () => {
    const nhiApi = mockNhiApi({
      listAudit: jest.fn(async () =>
        page([
          auditEntry({
            id: 12,
            action: 'claim.approved',
            actor: 'user:default/farah',
            details: {
              group: 'group:default/shipping',
              from: 'group:default/payments',
              consent: 'reviewer',
              comment: 'Payments left the tracker',
            },
          }),
          auditEntry({
            id: 11,
            action: 'exception.rejected',
            actor: 'user:default/farah',
            details: { ruleId: 'NHI-ADMIN', comment: 'Scope it down' },
          }),
          auditEntry({
            id: 10,
            action: 'exception.requested',
            actor: 'user:default/jade',
            details: {
              ruleId: 'NHI-ADMIN',
              until: '2027-01-31T23:59:59.000Z',
              justification: 'Break-glass role',
            },
          }),
        ]),
      ),
    });
    await renderNhi(withPeople(<AuditCard />), {
      entity: nhiEntity(),
      nhiApi,
    });
    expect(await screen.findByText('Audit history (3)')).toBeInTheDocument();
    expect(rows().map(r => r.slice(1))).toEqual([
      [
        'Farah',
        'approved a claim',
        'group:default/payments → group:default/shipping · without the owner’s consent · “Payments left the tracker”',
      ],
      ['Farah', 'rejected accepting a risk', 'NHI-ADMIN · “Scope it down”'],
      [
        'Jade',
        'asked to accept a risk',
        'NHI-ADMIN · until 2027-01-31 · “Break-glass role”',
      ],
    ]);
  });

  it('shows progress while the history loads', async () => {
    const pending = deferred<NhiPage<NhiAuditEntry>>();
    await renderNhi(<AuditCard />, {
      entity: nhiEntity(),
      nhiApi: mockNhiApi({ listAudit: jest.fn(() => pending.promise) }),
    });
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(screen.getByText('Audit history')).toBeInTheDocument();
    // Not yet known to be empty.
    expect(screen.queryByText(/Nothing has happened/)).not.toBeInTheDocument();

    await act(async () => pending.resolve(page([approved])));
    expect(await screen.findByText('approved a claim')).toBeInTheDocument();
    expect(screen.queryByTestId('progress')).not.toBeInTheDocument();
  });

  it('says when nothing has happened to the identity yet', async () => {
    await renderNhi(<AuditCard />, { entity: nhiEntity() });
    expect(
      await screen.findByText(
        /Nothing has happened to this identity in Backstage yet/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Audit history')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('shows an error when the history cannot be loaded', async () => {
    await renderNhi(<AuditCard />, {
      entity: nhiEntity(),
      nhiApi: mockNhiApi({
        listAudit: jest.fn(async () => {
          throw new Error('audit backend unavailable');
        }),
      }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'audit backend unavailable',
    );
    expect(screen.queryByText(/Nothing has happened/)).not.toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('loads older entries below the ones shown', async () => {
    const nhiApi = mockNhiApi({
      listAudit: jest
        .fn()
        .mockResolvedValueOnce(auditPage([approved, claimed], 4, 'cursor-2'))
        .mockResolvedValueOnce(auditPage([accepted, unknown], 4)),
    });
    await renderNhi(<AuditCard />, { entity: nhiEntity(), nhiApi });
    expect(await screen.findByText('Audit history (4)')).toBeInTheDocument();
    expect(rows().map(r => r[2])).toEqual(['approved a claim', 'claimed']);

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));

    expect(nhiApi.listAudit).toHaveBeenLastCalledWith({
      entityRef: ENTITY_REF,
      limit: 25,
      cursor: 'cursor-2',
    });
    await waitFor(() =>
      expect(rows().map(r => r[2])).toEqual([
        'approved a claim',
        'claimed',
        'accepted a risk',
        'identity.imported',
      ]),
    );
    // The last page: nothing more to load.
    expect(
      screen.queryByRole('button', { name: 'Load more' }),
    ).not.toBeInTheDocument();
  });

  it('keeps the entries shown when older ones fail to load, and loads them on retry', async () => {
    const nhiApi = mockNhiApi({
      listAudit: jest
        .fn()
        .mockResolvedValueOnce(auditPage([approved, claimed], 3, 'cursor-2'))
        .mockRejectedValueOnce(new Error('audit backend unavailable'))
        .mockResolvedValueOnce(auditPage([accepted], 3)),
    });
    await renderNhi(<AuditCard />, { entity: nhiEntity(), nhiApi });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Load more' }),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'audit backend unavailable',
    );
    expect(rows().map(r => r[2])).toEqual(['approved a claim', 'claimed']);

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() =>
      expect(rows().map(r => r[2])).toEqual([
        'approved a claim',
        'claimed',
        'accepted a risk',
      ]),
    );
    expect(nhiApi.listAudit).toHaveBeenCalledTimes(3);
    expect(nhiApi.listAudit).toHaveBeenLastCalledWith({
      entityRef: ENTITY_REF,
      limit: 25,
      cursor: 'cursor-2',
    });
    // The error is over once the retry worked.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
