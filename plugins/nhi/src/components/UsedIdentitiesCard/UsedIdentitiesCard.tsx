import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CodeSnippet,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_NHI_IDENTITIES,
  NHI_KIND,
  NHI_PAST_ROTATION_STATUSES,
  nhiTypeLabel,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useRef, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { identityPath, RiskLevelChip, RotationChip } from '../shared';

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'spec.type',
  'spec.provider',
  'spec.owner',
  'spec.risk.level',
  'spec.risk.score',
  'spec.rotation.status',
];

const EXAMPLE = `metadata:
  annotations:
    ${ANNOTATION_NHI_IDENTITIES}: arn:aws:iam::*:role/my-service-*, datadog:api-key:7d1e`;

/**
 * For a Component (or Resource): the identities it uses, with risk level
 * and rotation status, paged from the catalog.
 */
export function UsedIdentitiesCard() {
  const { entity } = useEntity();
  const catalogApi = useApi(catalogApiRef);
  const ref = stringifyEntityRef(entity);
  // A new object on every move, so that moving again to a page that failed
  // to load loads it again.
  const [at, setAt] = useState<{ cursor?: string }>({});
  const cursor = at.cursor;
  const setCursor = (next?: string) => setAt({ cursor: next });
  const {
    value: loaded,
    loading,
    error,
  } = useAsync(async () => {
    const filter = { kind: NHI_KIND, 'spec.usedBy': ref };
    const [page, facets] = await Promise.all([
      catalogApi.queryEntities(
        cursor
          ? { cursor, limit: 10, fields: FIELDS }
          : {
              filter,
              limit: 10,
              fields: FIELDS,
              orderFields: { field: 'metadata.title', order: 'asc' },
            },
      ),
      catalogApi.getEntityFacets({
        filter,
        facets: ['spec.risk.level', 'spec.rotation.status'],
      }),
    ]);
    return { page, facets: facets.facets };
  }, [ref, at]);
  // When a page fails to load, the one shown stays (with the error), so that
  // nothing is lost and Next or Previous can be tried again.
  const shown = useRef<{ ref: string; value: typeof loaded }>();
  if (loaded) shown.current = { ref, value: loaded };
  const value =
    loaded ??
    (error && shown.current?.ref === ref ? shown.current.value : undefined);

  const count = (facet: string, v: string) =>
    value?.facets[facet]?.find(f => f.value === v)?.count ?? 0;

  return (
    <InfoCard title="Non-human identities used">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && value.page.totalItems === 0 && (
        <Box>
          <Typography variant="body2" paragraph>
            No identity is known to be used by this {entity.kind.toLowerCase()}.
            Declare the service accounts, keys and tokens it uses in its
            catalog-info.yaml — external ids, names or glob patterns — and they
            are linked here (and, when nobody else owns them, owned by this{' '}
            {entity.kind.toLowerCase()}’s owner):
          </Typography>
          <CodeSnippet language="yaml" text={EXAMPLE} />
        </Box>
      )}
      {value && value.page.totalItems > 0 && (
        <>
          <Typography variant="body2" paragraph>
            {value.page.totalItems} identities ·{' '}
            {count('spec.risk.level', 'critical')} critical ·{' '}
            {count('spec.risk.level', 'high')} high ·{' '}
            {NHI_PAST_ROTATION_STATUSES.reduce(
              (n, status) => n + count('spec.rotation.status', status),
              0,
            )}{' '}
            past rotation
          </Typography>
          <Table size="small" aria-label="identities used">
            <TableHead>
              <TableRow>
                <TableCell>Identity</TableCell>
                <TableCell>Type</TableCell>
                <TableCell>Risk</TableCell>
                <TableCell>Rotation</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(value.page.items as NonHumanIdentityEntity[]).map(
                (e: Entity) => {
                  const nhi = e as NonHumanIdentityEntity;
                  return (
                    <TableRow key={e.metadata.name}>
                      <TableCell>
                        <Link to={identityPath(stringifyEntityRef(e))}>
                          {e.metadata.title ?? e.metadata.name}
                        </Link>
                      </TableCell>
                      <TableCell>
                        {nhiTypeLabel(nhi.spec?.type)} · {nhi.spec?.provider}
                      </TableCell>
                      <TableCell>
                        <RiskLevelChip level={nhi.spec?.risk?.level} />
                      </TableCell>
                      <TableCell>
                        <RotationChip status={nhi.spec?.rotation?.status} />
                      </TableCell>
                    </TableRow>
                  );
                },
              )}
            </TableBody>
          </Table>
          <Box display="flex" justifyContent="flex-end" style={{ gap: 8 }}>
            {value.page.pageInfo.prevCursor && (
              <Button
                size="small"
                onClick={() => setCursor(value.page.pageInfo.prevCursor)}
              >
                Previous
              </Button>
            )}
            {value.page.pageInfo.nextCursor && (
              <Button
                size="small"
                onClick={() => setCursor(value.page.pageInfo.nextCursor)}
              >
                Next
              </Button>
            )}
          </Box>
        </>
      )}
    </InfoCard>
  );
}
