import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
  Typography,
} from '@material-ui/core';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import ErrorIcon from '@material-ui/icons/Error';
import useAsync from 'react-use/esm/useAsync';
import { CheckResult } from '@backstage-community/plugin-tech-insights-common';
import { nhiScorecardsApiRef } from '../../scorecards';

/** The fact each default NHI check judges, by the end of its id. */
export const NHI_CHECK_FACTS: Record<string, string[]> = {
  'no-critical-identities': ['critical'],
  'rotation-within-policy': ['overdueRotation'],
  'no-dormant-credentials': ['dormant'],
  'identities-owned': ['unowned', 'unownedUsed'],
  'no-leaked-credentials': ['leaked'],
  'agents-expire': ['agentsWithoutExpiry'],
  'ownership-coverage': ['ownershipCoverage'],
  // the graded team checks
  'credentials-within-policy': ['credentialsWithinPolicy'],
  'dormant-share': ['dormantShare'],
  'critical-per-100': ['criticalPer100'],
};

/** Facts that are percentages, shown with a % sign. */
const PERCENT_FACTS = new Set([
  'ownershipCoverage',
  'credentialsWithinPolicy',
  'dormantShare',
]);

/** The fact behind a check result, when it is one of the NHI checks. */
export function factOf(result: CheckResult) {
  const slug = Object.keys(NHI_CHECK_FACTS).find(s =>
    result.check.id.endsWith(s),
  );
  const names = slug ? NHI_CHECK_FACTS[slug] : [];
  const name = names.find(n => result.facts?.[n]);
  if (!name) return undefined;
  const fact = result.facts![name];
  return {
    ...fact,
    shown: PERCENT_FACTS.has(name) ? `${fact.value}%` : String(fact.value),
  };
}

/**
 * The NHI hygiene scorecard of a Component or Group, from Tech Insights:
 * each check passed or failed, with the number behind it.
 */
export function ScorecardCard() {
  const { entity } = useEntity();
  const api = useApi(nhiScorecardsApiRef);
  const ref = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(() => api.run(ref), [api, ref]);
  const passed = value?.filter(r => r.result === true).length ?? 0;
  return (
    <InfoCard
      title="NHI hygiene scorecard"
      subheader={
        value?.length ? `${passed} of ${value.length} checks pass` : undefined
      }
    >
      {loading && <Progress />}
      {error && (
        <Typography variant="body2" color="textSecondary">
          The scorecard is not available yet: {error.message}. Its facts are
          computed on a schedule by Tech Insights.
        </Typography>
      )}
      {value && value.length === 0 && (
        <Typography variant="body2">
          {entity.kind.toLocaleLowerCase('en-US') === 'group'
            ? 'No identities: nothing to grade. The team owns no non-human identity and its services use no unowned one (or Tech Insights has not computed its facts yet).'
            : 'No NHI checks are configured.'}
        </Typography>
      )}
      {value && value.length > 0 && (
        <List dense aria-label="NHI checks">
          {[...value]
            // failing checks first
            .sort(
              (a, b) => Number(a.result === true) - Number(b.result === true),
            )
            .map(r => {
              const fact = factOf(r);
              const ok = r.result === true;
              return (
                <ListItem key={r.check.id}>
                  <ListItemIcon>
                    {ok ? (
                      <CheckCircleIcon
                        style={{ color: '#2e7d32' }}
                        titleAccess="passed"
                        aria-label="passed"
                      />
                    ) : (
                      <ErrorIcon
                        color="error"
                        titleAccess="failed"
                        aria-label="failed"
                      />
                    )}
                  </ListItemIcon>
                  <ListItemText
                    primary={r.check.name}
                    secondary={
                      fact
                        ? `${fact.description}: ${fact.shown}`
                        : r.check.description
                    }
                  />
                </ListItem>
              );
            })}
        </List>
      )}
    </InfoCard>
  );
}
