import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  generateKubernetesClusters,
  startFakeKubernetesApi,
} from '@backstage-nhi/plugin-catalog-backend-module-nhi-kubernetes/testUtils';
import { generateIamCompany } from '@backstage-nhi/plugin-catalog-backend-module-nhi-aws/testUtils';
import { loadCompany } from '@backstage-nhi/demo-data';

/**
 * Demo only: serves the demo company's Kubernetes clusters (namespaces per
 * team, workloads named after the team's components, service accounts with
 * legacy tokens and RBAC bindings) from the Kubernetes source's fake API
 * server on 127.0.0.1, one port per cluster, so that the demo's Kubernetes
 * source (`nhi.sources.kubernetes.demo`) reads them through the real
 * `@kubernetes/client-node` code path. Enabled by `nhiDemo.kubernetes`;
 * absent from production config.
 */
export const catalogModuleNhiDemoKubernetes = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'nhi-demo-kubernetes',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ config, logger, lifecycle }) {
        const demo = config.getOptionalConfig('nhiDemo.kubernetes');
        if (!demo || config.getOptionalBoolean('nhiDemo.enabled') === false)
          return;
        const today = new Date();
        today.setUTCHours(0, 0, 0, 0);
        const company = loadCompany();
        // As in the AWS demo, the security team keeps its house in order.
        const teams = company.teams
          .filter(t => t.name !== 'security')
          .map(t => ({ name: t.name, components: t.components }));
        // The EKS-federated account binds to a role of the demo's AWS
        // organization (the same generated company demoAws serves), so that
        // the relation resolves in the catalog.
        let aws: string | undefined;
        const awsDemo = config.getOptionalConfig('nhiDemo.aws');
        if (awsDemo) {
          const iam = generateIamCompany({
            accounts: awsDemo.getOptionalNumber('accounts') ?? 3,
            identities: awsDemo.getOptionalNumber('identities') ?? 600,
            teams: company.teams.map(t => t.name).filter(t => t !== 'security'),
            people: company.teams
              .filter(t => t.name !== 'security')
              .flatMap(t => t.members.map(m => m.email))
              .filter((e): e is string => !!e),
            now: today,
          });
          const account = iam.accounts[1] ?? iam.accounts[0];
          const role =
            account.roles.find(r => /^payments-.*-task$/.test(r.name)) ??
            account.roles.find(r => /-task$/.test(r.name)) ??
            account.roles[0];
          if (role) {
            aws = `arn:aws:iam::${account.id}:role${role.path ?? '/'}${
              role.name
            }`;
          }
        }
        const clusters = demo.getConfigArray('clusters').map(c => ({
          name: c.getString('name'),
          port: c.getNumber('port'),
        }));
        const models = generateKubernetesClusters({
          clusters: clusters.map(c => c.name),
          serviceAccounts: demo.getOptionalNumber('serviceAccounts') ?? 300,
          teams,
          now: today,
          ...(aws ? { federationTargets: { aws } } : {}),
        });
        const token = demo.getString('token');
        for (const [i, c] of clusters.entries()) {
          const api = await startFakeKubernetesApi({
            cluster: models[i],
            port: c.port,
            tokens: [token],
          });
          lifecycle.addShutdownHook(() => api.stop());
          logger.info(
            `NHI demo: Kubernetes cluster ${c.name} (${models[i].objects.serviceaccounts?.length} service accounts) served at ${api.url}`,
          );
        }
      },
    });
  },
});
