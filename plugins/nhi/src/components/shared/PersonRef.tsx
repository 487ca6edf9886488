import { parseEntityRef } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';

const PEOPLE_KINDS = new Set(['user', 'group']);

/**
 * A person (or team) named by an entity ref, as the catalog presents them —
 * "Priya Raman" rather than `user:default/priya.raman` — linked to their
 * page (Backstage's `EntityRefLink`, which shows the entity's display name).
 * Anything that is not a User or Group ref (a service principal such as
 * `plugin:catalog`, a free-text name) is shown as it is.
 */
export function PersonRef(props: { entityRef?: string }) {
  const { entityRef } = props;
  if (!entityRef) return <>unknown</>;
  try {
    const ref = parseEntityRef(entityRef, { defaultKind: 'user' });
    if (PEOPLE_KINDS.has(ref.kind.toLocaleLowerCase('en-US'))) {
      return <EntityRefLink entityRef={ref} />;
    }
  } catch {
    // not an entity ref: shown as it is
  }
  return <>{entityRef}</>;
}
