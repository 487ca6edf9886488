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
  facts: Record<string, number>;
  error?: string;
};

const num = (
  facts: Record<string, { value: unknown }> | undefined,
  id: string,
) => Number(facts?.[id]?.value ?? 0);

/**
 * Teams ranked by failing NHI checks (then by critical identities), so the
 * teams that need help come first. One bulk check run for all teams.
 */
const useStyles = makeStyles({
  // short numeric headers stay on one line
  table: { '& th': { whiteSpace: 'nowrap' } },
});

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
    ).map(r => {
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
        facts: {
          identities: ownedBy.get(r.entity.toLowerCase()) ?? 0,
          critical: num(facts, 'critical'),
          overdueRotation: num(facts, 'overdueRotation'),
          unownedUsed: num(facts, 'unownedUsed'),
          leaked: num(facts, 'leaked'),
        },
        error: r.error ? String(r.error.message) : undefined,
      };
    });
    return rows.sort(
      (a, b) =>
        b.failing.length - a.failing.length ||
        b.facts.critical - a.facts.critical ||
        a.ref.localeCompare(b.ref),
    );
  }, [catalogApi, nhiApi, scorecards]);

  return (
    <InfoCard
      title="Teams by NHI hygiene"
      subheader="Most failing checks first: the teams that need help"
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
              <TableCell align="right">Critical</TableCell>
              <TableCell align="right">Past rotation</TableCell>
              <TableCell
                align="right"
                title="Unowned identities the team's services use"
              >
                Unowned used
              </TableCell>
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
                  {!row.error && row.failing.length === 0 && (
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
                    {row.facts.identities}
                  </Link>
                </TableCell>
                <TableCell align="right">{row.facts.critical}</TableCell>
                <TableCell align="right">{row.facts.overdueRotation}</TableCell>
                <TableCell align="right">{row.facts.unownedUsed}</TableCell>
                <TableCell align="right">{row.facts.leaked}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </InfoCard>
  );
}
