import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  generateGithubOrganization,
  startGithubEndpoint,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-github/testUtils';
import { loadCompany } from '@backstage-nhi/demo-data';

/**
 * Demo only: serves a generated GitHub organization (repositories named
 * after the demo company's components, owned through custom properties and
 * CODEOWNERS; GitHub Apps, deploy keys, fine-grained token grants, Actions
 * secrets, the OIDC subject template, SAML identities with the demo users'
 * e-mails) from the GitHub source's fake REST and GraphQL API on 127.0.0.1,
 * so that the demo's GitHub source (`nhi.sources.github.demo`, credentials
 * from `integrations.github`) ingests it through Octokit. Enabled by
 * `nhiDemo.github.port`; absent from production config.
 */
export const catalogModuleNhiDemoGithub = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-demo-github',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ config, logger, lifecycle }) {
        const demo = config.getOptionalConfig('nhiDemo.github');
        if (!demo || config.getOptionalBoolean('nhiDemo.enabled') === false)
          return;
        const today = new Date();
        today.setUTCHours(0, 0, 0, 0);
        const company = loadCompany();
        // The security team keeps its house in order in the demo: no
        // repositories of its own, so its scorecard passes.
        const teams = company.teams.filter(t => t.name !== 'security');
        const model = generateGithubOrganization({
          organization:
            demo.getOptionalString('organization') ?? 'lumen-freight',
          components: company.components
            .filter(c => teams.some(t => t.name === c.owner))
            .map(c => ({ name: c.name, owner: c.owner })),
          teams: teams.map(t => t.name),
          repositories: demo.getOptionalNumber('repositories'),
          // GitHub logins cannot hold dots: alice.nakamura is alice-nakamura,
          // and SAML maps the login back to the e-mail the catalog knows.
          people: teams.flatMap(t =>
            t.members.map(m => ({
              login: m.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase(),
              email: m.email,
              team: t.name,
            })),
          ),
          now: today,
        });
        const endpoint = await startGithubEndpoint({
          model,
          port: demo.getNumber('port'),
          tokens: [demo.getString('token')],
        });
        lifecycle.addShutdownHook(() => endpoint.stop());
        logger.info(
          `NHI demo: GitHub organization ${model.organizations[0].login} of ${model.organizations[0].repositories.length} repositories served at ${endpoint.url}`,
        );
      },
    });
  },
});
