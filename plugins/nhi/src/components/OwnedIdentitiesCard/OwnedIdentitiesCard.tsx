import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import { useApi } from '@backstage/core-plugin-api';
import { NHI_CATEGORIES, NHI_KIND } from '@backstage-nhi/nhi-common';
import { Box, Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';

/** Link to the catalog list of a kind filtered to an owner. */
function catalogLink(ownerRef: string, extra = '') {
  const params = new URLSearchParams({
    'filters[kind]': NHI_KIND.toLowerCase(),
    'filters[owners]': ownerRef,
    'filters[user]': 'all',
  });
  return `/catalog?${params.toString()}${extra}`;
}

/** Counts of the identities the current Group or User owns, by category. */
export function OwnedIdentitiesCard() {
  const { entity } = useEntity();
  const catalogApi = useApi(catalogApiRef);
  const ownerRef = stringifyEntityRef(entity);

  const { value, loading, error } = useAsync(async () => {
    const { facets } = await catalogApi.getEntityFacets({
      filter: { kind: NHI_KIND, 'relations.ownedBy': ownerRef },
      facets: ['spec.category'],
    });
    const byCategory = new Map(
      facets['spec.category'].map(f => [f.value, f.count]),
    );
    const total = [...byCategory.values()].reduce((a, b) => a + b, 0);
    return { byCategory, total };
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
          <Grid container spacing={1}>
            {NHI_CATEGORIES.filter(c => value.byCategory.get(c.id)).map(c => (
              <Grid item xs={6} key={c.id}>
                <Typography variant="body2">
                  <strong>{value.byCategory.get(c.id)}</strong> {c.label}
                </Typography>
              </Grid>
            ))}
          </Grid>
        </>
      )}
    </InfoCard>
  );
}
