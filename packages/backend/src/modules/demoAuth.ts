import { createBackendModule } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** Header that names the demo user to sign in as. */
export const DEMO_USER_HEADER = 'x-nhi-demo-user';

/**
 * Demo only: an auth provider (`demo`) that signs in as any User of the demo
 * organisation named in the `x-nhi-demo-user` header, so one can act as a
 * developer, a team lead or a platform reviewer without an identity
 * provider. Refuses to work outside NODE_ENV=development; production keeps
 * real sign-in.
 */
export const authModuleNhiDemoUsers = createBackendModule({
  pluginId: 'auth',
  moduleId: 'nhi-demo-users',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'demo',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async (result: {
                userName: string;
              }) => ({
                profile: { displayName: result.userName },
              }),
              initialize() {
                return {};
              },
              async authenticate({ req }) {
                if (process.env.NODE_ENV !== 'development') {
                  throw new NotAllowedError(
                    'the demo sign-in works in development only',
                  );
                }
                const userName = req.header(DEMO_USER_HEADER);
                if (
                  !userName ||
                  !/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(userName)
                ) {
                  throw new InputError(
                    `the ${DEMO_USER_HEADER} header must name a demo user, e.g. jade.thompson`,
                  );
                }
                return { result: { userName } };
              },
            }),
            async signInResolver({ result }, ctx) {
              return ctx.signInWithCatalogUser({
                entityRef: {
                  kind: 'User',
                  namespace: 'default',
                  name: result.userName,
                },
              });
            },
          }),
        });
      },
    });
  },
});
