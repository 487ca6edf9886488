import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  defaultEntityPresentation,
  EntityPresentationApi,
  entityPresentationApiRef,
} from '@backstage/plugin-catalog-react';
import { TestApiProvider } from '@backstage/test-utils';
import { ReactElement } from 'react';

/** "user:default/priya.raman" → "Priya Raman", as a user's profile would. */
export function displayNameOf(ref: string): string {
  return parseEntityRef(ref, { defaultKind: 'user' })
    .name.split(/[.\-_]/)
    .map(w => w.charAt(0).toLocaleUpperCase('en-US') + w.slice(1))
    .join(' ');
}

/**
 * The catalog's presentation of people: each User by its display name
 * ({@link displayNameOf}), as `spec.profile.displayName` would give it;
 * other entities as Backstage presents them by default.
 */
export const peoplePresentationApi: EntityPresentationApi = {
  forEntity(entityOrRef, context) {
    const ref =
      typeof entityOrRef === 'string'
        ? stringifyEntityRef(
            parseEntityRef(entityOrRef, {
              defaultKind: context?.defaultKind ?? 'user',
              defaultNamespace: context?.defaultNamespace,
            }),
          )
        : stringifyEntityRef(entityOrRef);
    const snapshot = ref.startsWith('user:')
      ? { entityRef: ref, primaryTitle: displayNameOf(ref) }
      : defaultEntityPresentation(ref, context);
    return { snapshot, promise: Promise.resolve(snapshot) };
  },
};

/** The element with people presented by their display names. */
export function withPeople(element: ReactElement): ReactElement {
  return (
    <TestApiProvider apis={[[entityPresentationApiRef, peoplePresentationApi]]}>
      {element}
    </TestApiProvider>
  );
}
