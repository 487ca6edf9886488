/*
 * The Backstage NHI demo backend: a standard Backstage backend with the
 * catalog, auth (guest), permissions, search, notifications and signals,
 * plus the Backstage NHI plugins.
 */

import { createBackend } from '@backstage/backend-defaults';
import { techInsightsModuleNhiFactChecker } from '@backstage-nhi/plugin-tech-insights-backend-module-nhi';
import { catalogModuleNhiDemoInventory } from './modules/demoInventory';
import { catalogModuleNhiDemoAws } from './modules/demoAws';
import { catalogModuleNhiDemoKubernetes } from './modules/demoKubernetes';
import { catalogModuleNhiDemoAzure } from './modules/demoAzure';
import { catalogModuleNhiDemoGcp } from './modules/demoGcp';
import { catalogModuleNhiDemoGithub } from './modules/demoGithub';
import { authModuleNhiDemoUsers } from './modules/demoAuth';
import { permissionModuleNhiDemoPolicy } from './modules/permissionPolicy';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// auth plugin, with the guest provider for the demo
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// demo only: sign in as any demo user (development only)
backend.add(authModuleNhiDemoUsers);

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// Backstage NHI: the NonHumanIdentity kind and the ingestion pipeline
backend.add(import('@backstage-nhi/plugin-catalog-backend-module-nhi'));
// demo only: generates the demo company's identity inventory (nhiDemo config)
backend.add(catalogModuleNhiDemoInventory);
// the AWS IAM source, and (demo only) an IAM-compatible endpoint it reads
backend.add(import('@backstage-nhi/plugin-catalog-backend-module-nhi-aws'));
backend.add(catalogModuleNhiDemoAws);
// the Kubernetes source, and (demo only) fake API servers of two clusters it reads
backend.add(
  import('@backstage-nhi/plugin-catalog-backend-module-nhi-kubernetes'),
);
backend.add(catalogModuleNhiDemoKubernetes);
// the Microsoft Entra ID source, and (demo only) a Graph-compatible endpoint it reads
backend.add(import('@backstage-nhi/plugin-catalog-backend-module-nhi-azure'));
backend.add(catalogModuleNhiDemoAzure);
// the Google Cloud source, and (demo only) a fake Google Cloud it reads
backend.add(import('@backstage-nhi/plugin-catalog-backend-module-nhi-gcp'));
backend.add(catalogModuleNhiDemoGcp);
// the GitHub source, and (demo only) a GitHub-compatible REST and GraphQL API it reads
backend.add(import('@backstage-nhi/plugin-catalog-backend-module-nhi-github'));
backend.add(catalogModuleNhiDemoGithub);

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// the demo's policy: who reviews NHI ownership claims
backend.add(permissionModuleNhiDemoPolicy);

// search plugin: PostgreSQL engine in production, in-memory otherwise
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
// Backstage NHI: every identity in search, by its key ids and external id
backend.add(import('@backstage-nhi/plugin-search-backend-module-nhi'));

// scaffolder plugin, with the NHI actions (remediation, AI-agent identities)
// run through the catalog's NHI action routes as the user who runs them
backend.add(import('@backstage/plugin-scaffolder-backend'));
// the catalog's Template kind, for the templates' locations
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage-nhi/plugin-scaffolder-backend-module-nhi'));

// Backstage NHI: claims, reviews, exceptions and audit (/api/nhi)
backend.add(import('@backstage-nhi/plugin-nhi-backend'));

// Tech Insights with the NHI scorecards: fact retrievers, and the
// json-rules-engine fact checker with the NHI operators (instead of jsonfc)
backend.add(import('@backstage-community/plugin-tech-insights-backend'));
backend.add(import('@backstage-nhi/plugin-tech-insights-backend-module-nhi'));
backend.add(techInsightsModuleNhiFactChecker);

// user settings, notifications and signals
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.start();
