import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  alertApiRef,
  identityApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import {
  EntityRefLink,
  EntityRefLinks,
  useAsyncEntity,
} from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  ANNOTATION_NHI_SOURCE,
  nhiClaimCreatePermission,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { Box, Button, Tooltip, Typography } from '@material-ui/core';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { nhiApiRef } from '../../api';
import { ClaimList, provenanceText, useIdentityDetail } from '../shared';
import { ClaimDialog } from './ClaimDialog';

/**
 * Who owns the identity and why we know, the Claim button (one of my teams
 * and a justification), pending and past claims with review actions, and
 * release for owners.
 */
export function OwnershipCard() {
  const { entity: maybe, refresh } = useAsyncEntity<NonHumanIdentityEntity>();
  const entity = maybe!;
  const nhiApi = useApi(nhiApiRef);
  const identityApi = useApi(identityApiRef);
  const alertApi = useApi(alertApiRef);
  const entityRef = stringifyEntityRef(entity);
  const [claiming, setClaiming] = useState(false);
  const canCreate = usePermission({ permission: nhiClaimCreatePermission });
  const me = useAsync(() => identityApi.getBackstageIdentity(), [identityApi]);
  const claims = useAsyncRetry(
    () => nhiApi.listClaims({ entityRef, limit: 50 }),
    [entityRef],
  );
  // why it is owned (claim, tag, alias…) and the suggestions are detail
  const { spec } = useIdentityDetail(entity);
  const fromSource = !!entity.metadata.annotations?.[ANNOTATION_NHI_SOURCE];
  const myGroups = (me.value?.ownershipEntityRefs ?? []).filter(
    r => r.startsWith('group:') && r !== spec.owner,
  );
  const claimedOwner = spec.ownership?.provenance === 'claimed';
  const inOwnerGroup =
    !!spec.owner && (me.value?.ownershipEntityRefs ?? []).includes(spec.owner);

  // The catalog applies an approval within seconds; look again shortly after.
  const onChange = () => {
    claims.retry();
    setTimeout(() => refresh?.(), 1500);
    setTimeout(() => refresh?.(), 4000);
  };

  let claimBlocked: string | undefined;
  if (!fromSource)
    claimBlocked = 'Declared in a catalog-info.yaml: change spec.owner there';
  else if (!canCreate.loading && !canCreate.allowed)
    claimBlocked = 'You are not allowed to claim identities';
  else if (me.value && myGroups.length === 0)
    claimBlocked = 'You are not a member of any other team';

  return (
    <InfoCard title="Ownership">
      <Box mb={2}>
        {spec.owner ? (
          <Typography variant="h6" component="div">
            Owned by{' '}
            <EntityRefLink entityRef={spec.owner} defaultKind="group" />
          </Typography>
        ) : (
          <Typography variant="h6" component="div" color="error">
            Unowned
          </Typography>
        )}
        <Typography variant="body2" color="textSecondary">
          {provenanceText(spec.ownership)}
        </Typography>
        {spec.ownership?.unresolvedOwner && (
          <Typography variant="body2" color="textSecondary">
            Its source names “{spec.ownership.unresolvedOwner}”, which is not a
            team in the catalog.
          </Typography>
        )}
        {!spec.owner && !!spec.ownership?.suggestedOwners?.length && (
          <Typography variant="body2">
            Suggested owners:{' '}
            <EntityRefLinks
              entityRefs={spec.ownership.suggestedOwners}
              defaultKind="group"
            />
          </Typography>
        )}
      </Box>
      <Box display="flex" style={{ gap: 8 }} mb={2}>
        <Tooltip title={claimBlocked ?? ''}>
          <span>
            <Button
              color="primary"
              variant="contained"
              disabled={!!claimBlocked || me.loading || canCreate.loading}
              onClick={() => setClaiming(true)}
            >
              {spec.owner ? 'Claim (transfer)' : 'Claim'}
            </Button>
          </span>
        </Tooltip>
        {claimedOwner && inOwnerGroup && (
          <Button
            onClick={async () => {
              try {
                await nhiApi.releaseOwnership(entityRef);
                alertApi.post({
                  message:
                    'Released: the identity falls back to its source owner.',
                  severity: 'success',
                  display: 'transient',
                });
                onChange();
              } catch (e) {
                alertApi.post({
                  message: (e as Error).message,
                  severity: 'error',
                });
              }
            }}
          >
            Release
          </Button>
        )}
      </Box>
      {claims.loading && <Progress />}
      {claims.error && <ResponseErrorPanel error={claims.error} />}
      {claims.value && claims.value.items.length > 0 && (
        <>
          <Typography variant="subtitle2">Claims</Typography>
          <ClaimList
            claims={claims.value.items}
            currentUser={me.value?.userEntityRef}
            onChange={onChange}
          />
        </>
      )}
      {claims.value && claims.value.items.length === 0 && (
        <Typography variant="body2" color="textSecondary">
          No claims yet.
        </Typography>
      )}
      {claiming && (
        <ClaimDialog
          entityRef={entityRef}
          title={entity.metadata.title ?? entity.metadata.name}
          groups={myGroups}
          currentOwner={spec.owner}
          onClose={claimed => {
            setClaiming(false);
            if (claimed) claims.retry();
          }}
        />
      )}
    </InfoCard>
  );
}
