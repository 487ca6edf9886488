import {
  createComponentExtension,
  createPlugin,
} from '@backstage/core-plugin-api';

/**
 * The Backstage NHI frontend plugin.
 *
 * @public
 */
export const nhiPlugin = createPlugin({
  id: 'nhi',
});

/**
 * Card for a Group's (or User's) page: how many non-human identities it
 * owns, by category, with links to the lists. Counts come from the catalog's
 * facets, so it stays fast however many identities a team owns.
 *
 * @public
 */
export const EntityNhiOwnedIdentitiesCard = nhiPlugin.provide(
  createComponentExtension({
    name: 'EntityNhiOwnedIdentitiesCard',
    component: {
      lazy: () =>
        import('./components/OwnedIdentitiesCard').then(
          m => m.OwnedIdentitiesCard,
        ),
    },
  }),
);
