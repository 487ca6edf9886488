import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef, EntityRefLink } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  Chip,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
  makeStyles,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { nhiApiRef } from '../../api';
import { nhiScorecardsApiRef } from '../../scorecards';
import { inventoryFacets } from './inventoryData';

type Row = {
  ref: string;
  failing: string[];
  passing: number;
  /** Identities the team owns (the inventory's count). */
  identities: number;
  /** No check had facts: it owns no identity, nor do its services use unowned ones. */
  ungraded: boolean;
  facts: {
    ownershipCoverage?: number;
    credentialsWithinPolicy?: number;
    dormantShare?: number;
    criticalPer100?: number;
    leaked?: number;
  };
  error?: string;
};

const num = (
  facts: Record<string, { value: unknown }>,
  id: string,
): number | undefined => {
  const value = facts[id]?.value;
  return typeof value === 'number' ? value : undefined;
};

/**
 * How far a team is from the bar, measure by measure, worst first: lower
 * coverage, fewer credentials within policy, more criticals per 100 and a
 * larger dormant share rank a team higher (it needs more help).
 */
function byNeed(a: Row, b: Row): number {
  const low = (v?: number) => v ?? 100;
  const high = (v?: number) => v ?? 0;
  return (
    Number(a.ungraded) - Number(b.ungraded) ||
    b.failing.length - a.failing.length ||
    high(b.facts.criticalPer100) - high(a.facts.criticalPer100) ||
    low(a.facts.ownershipCoverage) - low(b.facts.ownershipCoverage) ||
    low(a.facts.credentialsWithinPolicy) -
      low(b.facts.credentialsWithinPolicy) ||
    high(b.facts.dormantShare) - high(a.facts.dormantShare) ||
    a.ref.localeCompare(b.ref)
  );
}

const pct = (v?: number) => (v === undefined ? '–' : `${v}%`);
const plain = (v?: number) => (v === undefined ? '–' : String(v));

const useStyles = makeStyles({
  // short numeric headers stay on one line
  table: { '& th': { whiteSpace: 'nowrap' } },
});

/**
 * Teams ranked by their graded NHI checks — failing checks first, then the
 * measures themselves (criticals per 100, ownership coverage, credentials
 * within rotation policy, dormant share) — so the teams that need help come
 * first. A team with nothing to grade (no identities) comes last, marked so,
 * rather than as passing. One bulk check run for all teams.
 */
export function TeamsTab() {
  const classes = useStyles();
  const catalogApi = useApi(catalogApiRef);
  const nhiApi = useApi(nhiApiRef);
  const scorecards = useApi(nhiScorecardsApiRef);
  const { value, loading, error } = useAsync(async (): Promise<Row[]> => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'Group', 'spec.type': 'team' },
      fields: ['kind', 'metadata.name', 'metadata.namespace'],
    });
    const refs = items.map(e => stringifyEntityRef(e));
    const [results, owned] = await Promise.all([
      scorecards.runMany(refs, 'nhi-group-'),
      // identities per owner, in one facet query
      inventoryFacets({ nhiApi, catalogApi }, {}, ['relations.ownedBy']),
    ]);
    const ownedBy = new Map(
      (owned['relations.ownedBy'] ?? []).map(f => [
        f.value.toLowerCase(),
        f.count,
      ]),
    );
    const rows = (
      results as Array<
        (typeof results)[number] & { error?: { message: string } }
      >
    ).map((r): Row => {
      const checks = r.results ?? [];
      // Each check result carries the facts it judged: merge them.
      const facts = Object.assign(
        {},
        ...checks.map(c => c.facts ?? {}),
      ) as Record<string, { value: unknown }>;
      return {
        ref: r.entity,
        failing: checks.filter(c => c.result !== true).map(c => c.check.name),
        passing: checks.filter(c => c.result === true).length,
        identities: ownedBy.get(r.entity.toLowerCase()) ?? 0,
        ungraded: !r.error && checks.length === 0,
        facts: {
          ownershipCoverage: num(facts, 'ownershipCoverage'),
          credentialsWithinPolicy: num(facts, 'credentialsWithinPolicy'),
          dormantShare: num(facts, 'dormantShare'),
          criticalPer100: num(facts, 'criticalPer100'),
          leaked: num(facts, 'leaked'),
        },
        error: r.error ? String(r.error.message) : undefined,
      };
    });
    return rows.sort(byNeed);
  }, [catalogApi, nhiApi, scorecards]);

  return (
    <InfoCard
      title="Teams by NHI hygiene"
      subheader="Graded on shares, most failing checks first: the teams that need help"
    >
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && value.length === 0 && (
        <Typography variant="body2">
          No scorecard results yet: Tech Insights computes the facts on a
          schedule.
        </Typography>
      )}
      {value && value.length > 0 && (
        <Table
          size="small"
          aria-label="teams by NHI hygiene"
          className={classes.table}
        >
          <TableHead>
            <TableRow>
              <TableCell>#</TableCell>
              <TableCell>Team</TableCell>
              <TableCell>Failing checks</TableCell>
              <TableCell align="right">Identities</TableCell>
              <TableCell
                align="right"
                title="Owned share of the identities the team answers for: those it owns and the unowned ones its services use"
              >
                Ownership coverage
              </TableCell>
              <TableCell
                align="right"
                title="Active credentials within their rotation policy"
              >
                Within rotation policy
              </TableCell>
              <TableCell align="right">Dormant</TableCell>
              <TableCell align="right">Critical per 100</TableCell>
              <TableCell align="right">Leaked</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {value.map((row, i) => (
              <TableRow
                key={row.ref}
                data-testid="team-rank-row"
                data-entity-ref={row.ref}
              >
                <TableCell>{i + 1}</TableCell>
                <TableCell style={{ minWidth: 140 }}>
                  <EntityRefLink entityRef={row.ref} defaultKind="group" />
                </TableCell>
                <TableCell style={{ minWidth: 360 }}>
                  {row.error && (
                    <Typography variant="caption" color="error">
                      {row.error}
                    </Typography>
                  )}
                  {row.ungraded && (
                    <Chip
                      size="small"
                      variant="outlined"
                      label={
                        row.identities
                          ? 'not graded yet'
                          : 'no identities: nothing to grade'
                      }
                    />
                  )}
                  {!row.error && !row.ungraded && row.failing.length === 0 && (
                    <Chip
                      size="small"
                      label={`all ${row.passing} pass`}
                      style={{ background: '#2e7d32', color: 'white' }}
                    />
                  )}
                  {row.failing.map(name => (
                    <Chip
                      key={name}
                      size="small"
                      label={name}
                      color="secondary"
                      style={{ margin: 2 }}
                    />
                  ))}
                </TableCell>
                <TableCell align="right">
                  <Link
                    to={`?tab=inventory&owner=${encodeURIComponent(row.ref)}`}
                  >
                    {row.identities}
                  </Link>
                </TableCell>
                <TableCell align="right">
                  {pct(row.facts.ownershipCoverage)}
                </TableCell>
                <TableCell align="right">
                  {pct(row.facts.credentialsWithinPolicy)}
                </TableCell>
                <TableCell align="right">
                  {pct(row.facts.dormantShare)}
                </TableCell>
                <TableCell align="right">
                  {plain(row.facts.criticalPer100)}
                </TableCell>
                <TableCell align="right">{plain(row.facts.leaked)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </InfoCard>
  );
}
