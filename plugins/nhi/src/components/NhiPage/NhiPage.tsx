import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLinks } from '@backstage/plugin-catalog-react';
import {
  NHI_RULES,
  NonHumanIdentityEntity,
  OWASP_NHI_TOP_10,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tabs,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { nhiApiRef } from '../../api';
import { CampaignsTab, WaitingReviews } from '../campaigns';
import { ClaimDialog } from '../OwnershipCard/ClaimDialog';
import { PagedClaimList, RiskLevelChip, useClaimPages } from '../shared';
import { FILTER_KEYS, filtersFromParams, InventoryFilters } from './filters';
import { InventoryTab } from './InventoryTab';
import { OverviewTab } from './OverviewTab';
import { TeamsTab } from './TeamsTab';

const TABS = [
  'overview',
  'inventory',
  'unowned',
  'review',
  'campaigns',
  'teams',
  'rules',
] as const;
type TabId = (typeof TABS)[number];

function ReviewTab() {
  const nhiApi = useApi(nhiApiRef);
  const identityApi = useApi(identityApiRef);
  const me = useAsync(() => identityApi.getBackstageIdentity(), [identityApi]);
  const claims = useClaimPages({ toReview: true, limit: 100 }, [nhiApi]);
  return (
    <InfoCard title="Claims you can review">
      {claims.loading && <Progress />}
      {claims.error && <ResponseErrorPanel error={claims.error} />}
      {claims.items?.length === 0 && (
        <Typography variant="body2">
          Nothing to review. Reviewers are the configured reviewer groups and
          the leads of the claimed team; nobody reviews their own claim.
        </Typography>
      )}
      <PagedClaimList pages={claims} currentUser={me.value?.userEntityRef} />
    </InfoCard>
  );
}

function RulesTab() {
  return (
    <InfoCard title={`Risk rules (${NHI_RULES.length})`}>
      <Table size="small" aria-label="risk rules">
        <TableHead>
          <TableRow>
            <TableCell>Rule</TableCell>
            <TableCell>Severity</TableCell>
            <TableCell>OWASP NHI</TableCell>
            <TableCell>What it means</TableCell>
            <TableCell>What to do</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {NHI_RULES.map(r => (
            <TableRow key={r.id}>
              <TableCell>
                <strong>{r.title}</strong>
                <Typography variant="caption" display="block">
                  {r.id}
                </Typography>
              </TableCell>
              <TableCell>
                <RiskLevelChip level={r.severity} />
              </TableCell>
              <TableCell>
                {r.owasp} {OWASP_NHI_TOP_10[r.owasp]}
              </TableCell>
              <TableCell>{r.description}</TableCell>
              <TableCell>{r.remediation}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </InfoCard>
  );
}

function UnownedTab(props: {
  filters: InventoryFilters;
  onFilters(f: InventoryFilters): void;
}) {
  const identityApi = useApi(identityApiRef);
  const me = useAsync(() => identityApi.getBackstageIdentity(), [identityApi]);
  const [claiming, setClaiming] = useState<NonHumanIdentityEntity>();
  const myGroups = (me.value?.ownershipEntityRefs ?? []).filter(r =>
    r.startsWith('group:'),
  );
  return (
    <>
      <InventoryTab
        title="Unowned identities"
        filters={{ ...props.filters, owner: 'unowned' }}
        onFilters={f => props.onFilters({ ...f, owner: undefined })}
        hide={['owner']}
        header={
          <Typography variant="body2" paragraph>
            Nobody is accountable for these identities. Recognise one? Claim it
            for your team; a reviewer approves and the catalog shows the new
            owner within seconds.
          </Typography>
        }
        extraColumns={[
          {
            title: 'Suggested owners',
            render: e =>
              e.spec.ownership?.suggestedOwners?.length ? (
                <EntityRefLinks
                  entityRefs={e.spec.ownership.suggestedOwners}
                  defaultKind="group"
                />
              ) : (
                '—'
              ),
          },
          {
            title: '',
            render: e => (
              <Button
                size="small"
                color="primary"
                variant="outlined"
                disabled={!myGroups.length}
                onClick={() => setClaiming(e)}
              >
                Claim
              </Button>
            ),
          },
        ]}
      />
      {claiming && (
        <ClaimDialog
          entityRef={stringifyEntityRef(claiming)}
          title={claiming.metadata.title ?? claiming.metadata.name}
          groups={[
            ...myGroups.filter(g =>
              claiming.spec.ownership?.suggestedOwners?.includes(g),
            ),
            ...myGroups.filter(
              g => !claiming.spec.ownership?.suggestedOwners?.includes(g),
            ),
          ]}
          onClose={() => setClaiming(undefined)}
        />
      )}
    </>
  );
}

const SUBTITLE =
  'Service accounts, keys, tokens, certificates and AI agents: who owns them and how risky they are';

/**
 * The tabs of the NHI page and the selected tab's content. The tab and the
 * filters live in the URL, so a view can be shared.
 */
function NhiPageTabs() {
  const [params, setParams] = useSearchParams();
  const tab: TabId = TABS.includes(params.get('tab') as TabId)
    ? (params.get('tab') as TabId)
    : 'overview';
  const filters = filtersFromParams(params);
  const setFilters = (f: InventoryFilters) => {
    const next = new URLSearchParams({ tab });
    for (const key of FILTER_KEYS) {
      const v = f[key];
      if (v !== undefined && v !== false && v !== '') next.set(key, String(v));
    }
    setParams(next, { replace: true });
  };
  return (
    <>
      <Box mb={2}>
        <Tabs
          value={tab}
          onChange={(_, value) =>
            setParams(new URLSearchParams({ tab: value }))
          }
          indicatorColor="primary"
          aria-label="NHI views"
        >
          <Tab value="overview" label="Overview" />
          <Tab value="inventory" label="Inventory" />
          <Tab value="unowned" label="Unowned" />
          <Tab value="review" label="Review" />
          <Tab value="campaigns" label="Campaigns" />
          <Tab value="teams" label="Teams" />
          <Tab value="rules" label="Rules" />
        </Tabs>
      </Box>
      {tab === 'overview' && <OverviewTab />}
      {tab === 'inventory' && (
        <InventoryTab filters={filters} onFilters={setFilters} />
      )}
      {tab === 'unowned' && (
        <UnownedTab filters={filters} onFilters={setFilters} />
      )}
      {tab === 'review' && (
        <Box mb={2}>
          <WaitingReviews />
        </Box>
      )}
      {tab === 'review' && <ReviewTab />}
      {tab === 'campaigns' && <CampaignsTab initialScope={filters} />}
      {tab === 'teams' && <TeamsTab />}
      {tab === 'rules' && <RulesTab />}
    </>
  );
}

/**
 * The NHI page (`/nhi`): overview charts and sources, the inventory with
 * server-side filters and search, unowned identities with claim actions,
 * claims to review, and the rules reference. The tab and the filters live in
 * the URL, so a view can be shared.
 */
export function NhiPage() {
  return (
    <Page themeId="tool">
      <Header title="Non-human identities" subtitle={SUBTITLE} />
      <Content>
        <NhiPageTabs />
      </Content>
    </Page>
  );
}

/**
 * The NHI page for the new frontend system, where the app's page layout
 * provides the page and its header.
 */
export function NfsNhiPage() {
  return (
    <Content>
      <Typography variant="body2" color="textSecondary" paragraph>
        {SUBTITLE}
      </Typography>
      <NhiPageTabs />
    </Content>
  );
}
