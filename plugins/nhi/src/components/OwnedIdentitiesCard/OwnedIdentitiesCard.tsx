import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import { useApi } from '@backstage/core-plugin-api';
import {
  NHI_CATEGORIES,
  NHI_KIND,
  NHI_PAST_ROTATION_STATUSES,
  NHI_RISK_LEVELS,
} from '@backstage-nhi/plugin-nhi-common';
import { Box, Chip, Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { NhiTrends } from '../TrendsCard';

/** Link to the catalog list of a kind filtered to an owner. */
function catalogLink(ownerRef: string, extra = '') {
  const params = new URLSearchParams({
    'filters[kind]': NHI_KIND.toLowerCase(),
    'filters[owners]': ownerRef,
    'filters[user]': 'all',
  });
  return `/catalog?${params.toString()}${extra}`;
}

/**
 * Counts of the identities the current Group or User owns, by category; for
 * a Group, the trend of its headline figures over the last 30 days.
 */
export function OwnedIdentitiesCard() {
  const { entity } = useEntity();
  const catalogApi = useApi(catalogApiRef);
  const ownerRef = stringifyEntityRef(entity);

  const { value, loading, error } = useAsync(async () => {
    const { facets } = await catalogApi.getEntityFacets({
      filter: { kind: NHI_KIND, 'relations.ownedBy': ownerRef },
      facets: ['spec.category', 'spec.risk.level', 'spec.rotation.status'],
    });
    const map = (facet: string) =>
      new Map((facets[facet] ?? []).map(f => [f.value, f.count]));
    const byCategory = map('spec.category');
    const byLevel = map('spec.risk.level');
    const byRotation = map('spec.rotation.status');
    const total = [...byCategory.values()].reduce((a, b) => a + b, 0);
    const pastRotation = NHI_PAST_ROTATION_STATUSES.reduce(
      (n, status) => n + (byRotation.get(status) ?? 0),
      0,
    );
    return { byCategory, byLevel, total, pastRotation };
  }, [catalogApi, ownerRef]);

  return (
    <InfoCard title="Non-human identities">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && value.total === 0 && (
        <Typography variant="body2">
          No non-human identities are owned here yet. Identities get an owner
          from a tag in their source, from a component that declares them, or
          from an approved claim.
        </Typography>
      )}
      {value && value.total > 0 && (
        <>
          <Box mb={2}>
            <Link to={catalogLink(ownerRef)}>
              <Typography variant="h3" component="span">
                {value.total}
              </Typography>{' '}
              <Typography variant="body1" component="span">
                {value.total === 1 ? 'identity owned' : 'identities owned'}
              </Typography>
            </Link>
          </Box>
          <Box display="flex" flexWrap="wrap" mb={2} style={{ gap: 8 }}>
            {NHI_RISK_LEVELS.filter(l => value.byLevel.get(l)).map(l => (
              <Link key={l} to={catalogLink(ownerRef)}>
                <Chip
                  size="small"
                  label={`${value.byLevel.get(l)} ${l}`}
                  aria-label={`${value.byLevel.get(l)} ${l} risk`}
                />
              </Link>
            ))}
            <Chip
              size="small"
              color={value.pastRotation ? 'secondary' : 'default'}
              label={`${value.pastRotation} past rotation policy`}
            />
          </Box>
          <Grid container spacing={1}>
            {NHI_CATEGORIES.filter(c => value.byCategory.get(c.id)).map(c => (
              <Grid item xs={6} key={c.id}>
                <Typography variant="body2">
                  <strong>{value.byCategory.get(c.id)}</strong> {c.label}
                </Typography>
              </Grid>
            ))}
          </Grid>
          {entity.kind.toLocaleLowerCase('en-US') === 'group' && (
            <Box mt={2}>
              <Typography variant="subtitle2" gutterBottom>
                Trend, last 30 days
              </Typography>
              <NhiTrends owner={ownerRef} />
            </Box>
          )}
        </>
      )}
    </InfoCard>
  );
}
