import { stringifyEntityRef } from '@backstage/catalog-model';
import { Link, Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef, EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  NHI_CATEGORIES,
  NHI_IDENTITY_ROTATION_STATUSES,
  NHI_KIND,
  NHI_RISK_LEVELS,
  NHI_RULES,
  nhiTypeLabel,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Checkbox,
  FormControl,
  FormControlLabel,
  Grid,
  InputLabel,
  MenuItem,
  Select,
  TextField,
  Typography,
} from '@material-ui/core';
import { ReactNode, useEffect, useRef, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { identityPath, relative, RiskLevelChip, RotationChip } from '../shared';
import { nhiApiRef } from '../../api';
import { INVENTORY_FACETS, InventoryFilters, ownerRef } from './filters';
import { inventoryFacets, inventoryPage } from './inventoryData';

function Picker(props: {
  id: string;
  label: string;
  value?: string;
  options: Array<{ value: string; label: string; count?: number }>;
  onChange(value?: string): void;
}) {
  return (
    <FormControl fullWidth size="small" variant="outlined">
      <InputLabel id={`${props.id}-label`}>{props.label}</InputLabel>
      <Select
        labelId={`${props.id}-label`}
        id={props.id}
        label={props.label}
        value={props.value ?? ''}
        onChange={e => props.onChange((e.target.value as string) || undefined)}
      >
        <MenuItem value="">
          <em>any</em>
        </MenuItem>
        {props.options.map(o => (
          <MenuItem key={o.value} value={o.value}>
            {o.label}
            {o.count !== undefined ? ` (${o.count.toLocaleString()})` : ''}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}

/** The columns shared by the inventory and the unowned list. */
export function identityColumns(
  extra: TableColumn<NonHumanIdentityEntity>[] = [],
) {
  const columns: TableColumn<NonHumanIdentityEntity>[] = [
    {
      title: 'Identity',
      render: e => (
        <>
          <Link to={identityPath(stringifyEntityRef(e))}>
            {e.metadata.title ?? e.metadata.name}
          </Link>
          <Typography
            variant="caption"
            display="block"
            style={{ wordBreak: 'break-all' }}
          >
            {e.spec.externalId}
          </Typography>
        </>
      ),
    },
    {
      title: 'Type',
      render: e =>
        `${nhiTypeLabel(e.spec.type)} · ${e.spec.provider}${
          e.spec.account ? ` · ${e.spec.account}` : ''
        }`,
    },
    {
      title: 'Owner',
      render: e =>
        e.spec.owner ? (
          <EntityRefLink entityRef={e.spec.owner} defaultKind="group" />
        ) : (
          <Typography color="error" variant="body2">
            unowned
          </Typography>
        ),
    },
    {
      title: 'Risk',
      render: e => (
        <RiskLevelChip level={e.spec.risk?.level} score={e.spec.risk?.score} />
      ),
    },
    {
      title: 'Rotation',
      render: e => <RotationChip status={e.spec.rotation?.status} />,
    },
    {
      title: 'Last used',
      render: e =>
        e.spec.lastUsed?.never ? 'never' : relative(e.spec.lastUsed?.at),
    },
  ];
  return [...columns, ...extra];
}

/**
 * The inventory: server-side pages, counts and facets, filters kept in the
 * URL, and search by external id, ARN, key id or name.
 */
export function InventoryTab(props: {
  filters: InventoryFilters;
  onFilters(filters: InventoryFilters): void;
  title?: string;
  extraColumns?: TableColumn<NonHumanIdentityEntity>[];
  hide?: Array<keyof InventoryFilters>;
  header?: ReactNode;
}) {
  const catalogApi = useApi(catalogApiRef);
  const nhiApi = useApi(nhiApiRef);
  const { filters, onFilters } = props;
  const [search, setSearch] = useState(filters.q ?? '');
  const [owner, setOwner] = useState(filters.owner ?? '');
  const [failed, setFailed] = useState(false);
  const set = (patch: Partial<InventoryFilters>) =>
    onFilters({ ...filters, ...patch });
  // The filters as they are when a debounced change lands, so that a filter
  // picked while typing is kept.
  const latest = useRef(filters);
  latest.current = filters;

  // What the boxes last sent: any other change of q or owner in the URL came
  // from elsewhere (a link followed while on the page, the back button) and is shown.
  const sent = useRef<Pick<InventoryFilters, 'q' | 'owner'>>({
    q: filters.q,
    owner: filters.owner,
  });

  // Typed filters reach the server once typing pauses: each change costs a
  // page query and a facets query over every identity.
  const debounced = (
    key: 'q' | 'owner',
    text: string,
  ): (() => void) | undefined => {
    const value = text.trim() || undefined;
    if ((latest.current[key] ?? undefined) === value) return undefined;
    const t = setTimeout(() => {
      sent.current[key] = value;
      onFilters({ ...latest.current, [key]: value });
    }, 400);
    return () => clearTimeout(t);
  };
  useEffect(() => {
    if (filters.q !== sent.current.q) {
      sent.current.q = filters.q;
      setSearch(filters.q ?? '');
    }
  }, [filters.q]);
  useEffect(() => {
    if (filters.owner !== sent.current.owner) {
      sent.current.owner = filters.owner;
      setOwner(filters.owner ?? '');
    }
  }, [filters.owner]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => debounced('q', search), [search]);
  // A half-typed owner ("group:") is said under the box, not sent.
  const ownerProblem =
    owner.trim() && owner.trim() !== 'unowned' && !ownerRef(owner)
      ? 'not a group ref: write team-a, group:default/team-a or unowned'
      : undefined;
  useEffect(
    () => (ownerProblem ? undefined : debounced('owner', owner)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [owner],
  );

  const facets = useAsync(
    () => inventoryFacets({ nhiApi, catalogApi }, filters, INVENTORY_FACETS),
    [nhiApi, catalogApi, JSON.stringify({ ...filters, q: undefined })],
  );
  // No counts rather than wrong zeros while they load or when they failed.
  const countOf = (facet: string, v: string) =>
    facets.value
      ? facets.value[facet]?.find(x => x.value === v)?.count ?? 0
      : undefined;
  const hidden = (k: keyof InventoryFilters) => props.hide?.includes(k);

  return (
    <Box>
      {props.header}
      <Grid container spacing={2} style={{ marginBottom: 8 }}>
        <Grid item xs={12} md={4}>
          <TextField
            fullWidth
            size="small"
            variant="outlined"
            label="Search by external id, ARN, key id or name"
            value={search}
            onChange={e => setSearch(e.target.value)}
            inputProps={{ 'aria-label': 'search identities' }}
          />
        </Grid>
        {!hidden('provider') && (
          <Grid item xs={6} md={2}>
            <Picker
              id="nhi-provider"
              label="Provider"
              value={filters.provider}
              options={[
                ...(facets.value?.['spec.provider'] ?? []).map(f => ({
                  value: f.value,
                  label: f.value,
                  count: f.count as number | undefined,
                })),
                // the chosen provider stays pickable without its count
                ...(filters.provider &&
                !facets.value?.['spec.provider']?.some(
                  f => f.value === filters.provider,
                )
                  ? [{ value: filters.provider, label: filters.provider }]
                  : []),
              ]}
              onChange={v => set({ provider: v })}
            />
          </Grid>
        )}
        {!hidden('category') && (
          <Grid item xs={6} md={2}>
            <Picker
              id="nhi-category"
              label="Category"
              value={filters.category}
              options={NHI_CATEGORIES.map(c => ({
                value: c.id,
                label: c.label,
                count: countOf('spec.category', c.id),
              }))}
              onChange={v => set({ category: v })}
            />
          </Grid>
        )}
        {!hidden('level') && (
          <Grid item xs={6} md={2}>
            <Picker
              id="nhi-level"
              label="Risk level"
              value={filters.level}
              options={NHI_RISK_LEVELS.map(l => ({
                value: l,
                label: l,
                count: countOf('spec.risk.level', l),
              }))}
              onChange={v => set({ level: v })}
            />
          </Grid>
        )}
        {!hidden('rotation') && (
          <Grid item xs={6} md={2}>
            <Picker
              id="nhi-rotation"
              label="Rotation"
              value={filters.rotation}
              options={NHI_IDENTITY_ROTATION_STATUSES.map(r => ({
                value: r,
                label: r,
                count: countOf('spec.rotation.status', r),
              }))}
              onChange={v => set({ rotation: v })}
            />
          </Grid>
        )}
        {!hidden('rule') && (
          <Grid item xs={12} md={4}>
            <Picker
              id="nhi-rule"
              label="Rule"
              value={filters.rule}
              options={NHI_RULES.map(r => ({
                value: r.id,
                label: `${r.id} — ${r.title}`,
              }))}
              // a rule and "dormant" are one catalog filter: picking a rule
              // clears "dormant"
              onChange={v =>
                set({ rule: v, ...(v ? { dormant: undefined } : {}) })
              }
            />
          </Grid>
        )}
        {!hidden('owner') && (
          <Grid item xs={6} md={3}>
            <TextField
              id="nhi-owner"
              fullWidth
              size="small"
              variant="outlined"
              label="Owner (group ref or “unowned”)"
              value={owner}
              error={!!ownerProblem}
              helperText={ownerProblem}
              onChange={e => setOwner(e.target.value)}
            />
          </Grid>
        )}
        {!hidden('dormant') && (
          <Grid item xs={6} md={2}>
            <FormControlLabel
              control={
                <Checkbox
                  checked={!!filters.dormant}
                  disabled={!!filters.rule}
                  onChange={e =>
                    set({ dormant: e.target.checked || undefined })
                  }
                />
              }
              label="Dormant only"
            />
          </Grid>
        )}
      </Grid>
      {facets.error && (
        <Typography variant="caption" color="error" role="alert" paragraph>
          The counts next to the filters could not be loaded:{' '}
          {facets.error.message}
        </Typography>
      )}
      <Table<NonHumanIdentityEntity>
        key={JSON.stringify(filters)}
        title={props.title ?? 'Identities'}
        options={{
          search: false,
          pageSize: 20,
          pageSizeOptions: [20, 50, 100],
          padding: 'dense',
          sorting: false,
        }}
        columns={identityColumns(props.extraColumns)}
        data={async query => {
          try {
            const result = await inventoryPage(
              { nhiApi, catalogApi },
              filters,
              { offset: query.page * query.pageSize, limit: query.pageSize },
            );
            setFailed(false);
            return {
              data: result.items,
              page: query.page,
              totalCount: result.totalCount,
            };
          } catch (e) {
            // The table shows the error; "no match" would be wrong under it.
            setFailed(true);
            throw e;
          }
        }}
        // With server-side data the table never uses `emptyContent`; its
        // empty-page message is the place for "no match".
        localization={{
          body: {
            emptyDataSourceMessage: failed ? (
              ''
            ) : (
              <Typography variant="body2" style={{ padding: 16 }}>
                No identity matches these filters.
              </Typography>
            ),
          },
        }}
      />
    </Box>
  );
}

/** The kind, for links from elsewhere. */
export const INVENTORY_KIND = NHI_KIND;
