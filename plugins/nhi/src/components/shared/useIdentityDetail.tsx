import { stringifyEntityRef } from '@backstage/catalog-model';
import { Progress, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  ANNOTATION_NHI_SOURCE,
  NonHumanIdentityEntity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { ReactNode } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { nhiApiRef } from '../../api';

/**
 * An identity's whole spec. The catalog's entity of an identity from a
 * source is lean (owner, ownership status, risk level and rule ids, rotation
 * status…); its credentials, evidence, permission summary and last use are
 * read from the NHI detail API, once per entity version. A hand-written
 * identity is whole already.
 */
export function useIdentityDetail(entity: NonHumanIdentityEntity): {
  /** The whole spec once read; the entity's own until then or on error. */
  spec: NonHumanIdentitySpec;
  loading: boolean;
  error?: Error;
} {
  const nhiApi = useApi(nhiApiRef);
  const fromSource = !!entity.metadata.annotations?.[ANNOTATION_NHI_SOURCE];
  const entityRef = stringifyEntityRef(entity);
  const detail = useAsync(
    async () =>
      fromSource ? (await nhiApi.getIdentityDetail(entityRef)).spec : undefined,
    // a new version of the entity (a claim applied, a new run) reads it again
    [nhiApi, entityRef, fromSource, entity.metadata.etag],
  );
  return {
    spec: detail.value ?? entity.spec,
    loading: fromSource && detail.loading,
    error: detail.error,
  };
}

/**
 * Renders `children` with the identity's whole spec: a progress bar while it
 * is read, and a warning above what the catalog alone says if it cannot be.
 */
export function WithIdentityDetail(props: {
  entity: NonHumanIdentityEntity;
  children: (spec: NonHumanIdentitySpec) => ReactNode;
}) {
  const { spec, loading, error } = useIdentityDetail(props.entity);
  if (loading) return <Progress />;
  return (
    <>
      {error && (
        <WarningPanel
          title="Details of this identity could not be read"
          message={`${error.message}. What is shown is what the catalog holds.`}
        />
      )}
      {props.children(spec)}
    </>
  );
}
