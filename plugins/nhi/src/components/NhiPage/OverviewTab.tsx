import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  isPastRotation,
  NHI_CATEGORIES,
  NHI_IDENTITY_ROTATION_STATUSES,
  NHI_RISK_LEVELS,
} from '@backstage-nhi/plugin-nhi-common';
import { Box, Grid, Typography, useTheme } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { Bars } from './Bars';
import { nhiApiRef } from '../../api';
import { OVERVIEW_FACETS } from './filters';
import { inventoryFacets } from './inventoryData';
import { SourcesCard } from './SourcesCard';
import { NhiTrendsCard } from '../TrendsCard';
import { riskLevelColor } from '../shared';

/**
 * The inventory at a glance, from one facet query: identities by category,
 * risk distribution, ownership coverage and rotation status, each bar
 * linking to the filtered inventory; the trends of the headline figures
 * over 30 days; and each source's last run.
 */
export function OverviewTab() {
  const catalogApi = useApi(catalogApiRef);
  const nhiApi = useApi(nhiApiRef);
  const theme = useTheme();
  const { value, loading, error } = useAsync(async () => {
    const facets = await inventoryFacets(
      { nhiApi, catalogApi },
      {},
      OVERVIEW_FACETS,
    );
    const count = (facet: string, v: string) =>
      facets[facet]?.find(f => f.value === v)?.count ?? 0;
    const total = (facets['spec.category'] ?? []).reduce(
      (s, f) => s + f.count,
      0,
    );
    return { count, total, providers: facets['spec.provider'] ?? [] };
  }, [nhiApi, catalogApi]);

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  const { count, total } = value;
  if (total === 0) {
    // Nothing ingested yet: say how identities get here, and keep the
    // sources card, whose last runs and errors explain why none did.
    return (
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <EmptyState
            missing="data"
            title="No non-human identities in the catalog yet"
            description="Identities come from the sources configured under nhi.sources in app-config.yaml (AWS IAM, inventory files or URLs), or are declared by hand as kind NonHumanIdentity in a catalog-info.yaml. Each source's last run is below."
          />
        </Grid>
        <Grid item xs={12}>
          <SourcesCard />
        </Grid>
      </Grid>
    );
  }
  const owned = count('spec.ownership.status', 'owned');
  const coverage = Math.round((100 * owned) / total);
  const rotationColor = (s: string) => {
    if (isPastRotation(s)) return theme.palette.error.main;
    if (s === 'no-expiry' || s === 'due-soon')
      return theme.palette.warning.main;
    if (s === 'ok') return theme.palette.success.main;
    return theme.palette.grey[400];
  };

  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={4}>
        <InfoCard title="Ownership coverage">
          <Typography
            variant="h2"
            component="div"
            aria-label="ownership coverage"
          >
            {coverage}%
          </Typography>
          <Typography variant="body2" paragraph>
            {owned.toLocaleString()} of {total.toLocaleString()} identities have
            an owner; {(total - owned).toLocaleString()} do not.
          </Typography>
          <Box
            display="flex"
            height={16}
            borderRadius={3}
            overflow="hidden"
            aria-hidden
          >
            <Box width={`${coverage}%`} bgcolor={theme.palette.success.main} />
            <Box flexGrow={1} bgcolor={theme.palette.error.main} />
          </Box>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={8}>
        <InfoCard title="Risk">
          <Bars
            ariaLabel="identities by risk level"
            items={NHI_RISK_LEVELS.map(l => ({
              label: l,
              count: count('spec.risk.level', l),
              color: riskLevelColor(theme, l).background,
              link: `?tab=inventory&level=${l}`,
            }))}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="By category">
          <Bars
            ariaLabel="identities by category"
            items={NHI_CATEGORIES.map(c => ({
              label: c.label,
              count: count('spec.category', c.id),
              color: theme.palette.primary.main,
              link: `?tab=inventory&category=${c.id}`,
            }))}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Rotation">
          <Bars
            ariaLabel="identities by rotation status"
            items={NHI_IDENTITY_ROTATION_STATUSES.map(s => ({
              label: s,
              count: count('spec.rotation.status', s),
              color: rotationColor(s),
              link: `?tab=inventory&rotation=${s}`,
            }))}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <NhiTrendsCard />
      </Grid>
      <Grid item xs={12}>
        <SourcesCard />
      </Grid>
    </Grid>
  );
}
