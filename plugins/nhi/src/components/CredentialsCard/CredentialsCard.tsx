import { Table, TableColumn } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  NHI_ROTATION_STATUSES,
  NhiCredential,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { Typography } from '@material-ui/core';
import {
  ageDays,
  day,
  relative,
  RotationChip,
  useIdentityDetail,
} from '../shared';

function lastUse(c: NhiCredential): string {
  if (c.lastUsed?.never) return 'never';
  if (!c.lastUsed?.at) return '—';
  return `${relative(c.lastUsed.at)}${
    c.lastUsed.service ? ` · ${c.lastUsed.service}` : ''
  }`;
}

/**
 * The identity's credentials — metadata only — with age, last use, the
 * rotation policy applied and the rotation status, worst first so overdue
 * stands out.
 */
export function CredentialsCard() {
  const { entity } = useEntity<NonHumanIdentityEntity>();
  const { spec, loading, error } = useIdentityDetail(entity);
  const credentials = [...(spec.credentials ?? [])].sort(
    (a, b) =>
      NHI_ROTATION_STATUSES.indexOf(a.rotation?.status ?? 'ok') -
      NHI_ROTATION_STATUSES.indexOf(b.rotation?.status ?? 'ok'),
  );
  const columns: TableColumn<NhiCredential>[] = [
    { title: 'Credential', field: 'id', render: c => <code>{c.id}</code> },
    { title: 'Kind', field: 'kind' },
    { title: 'Status', field: 'status' },
    {
      title: 'Age',
      render: c => {
        const age = ageDays(c.lastRotatedAt ?? c.createdAt);
        return age === undefined ? '—' : `${age} days`;
      },
    },
    { title: 'Last used', render: c => lastUse(c) },
    { title: 'Expires', render: c => day(c.expiresAt) },
    { title: 'Policy', render: c => c.rotation?.policy ?? '—' },
    {
      title: 'Rotation',
      render: c => (
        <>
          <RotationChip status={c.rotation?.status} />
          {c.rotation?.dueAt && (
            <Typography variant="caption" display="block">
              due {c.rotation.dueAt}
            </Typography>
          )}
        </>
      ),
    },
  ];
  return (
    <Table<NhiCredential>
      title={loading ? 'Credentials' : `Credentials (${credentials.length})`}
      isLoading={loading}
      options={{ search: false, paging: false, padding: 'dense' }}
      columns={columns}
      data={credentials}
      emptyContent={
        <Typography variant="body2" style={{ padding: 16 }}>
          {error
            ? `The credentials could not be read: ${error.message}`
            : 'No credentials are recorded for this identity (roles and service accounts often have none: they are assumed, not logged into).'}
        </Typography>
      }
    />
  );
}
