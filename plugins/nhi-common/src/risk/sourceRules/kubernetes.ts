import type { NonHumanIdentitySpec } from '../../kind/types';
import { shortList } from '../../text';
import { active } from '../ruleHelpers';
import type { NhiRule } from '../rules';

/*
 * Rules of the Kubernetes source (type `kubernetes-service-account`): what
 * the catalog's general rules do not see in a service account. Legacy
 * tokens that are old, unused or never expire are the general rules'
 * (NHI-CREDENTIAL-NOT-ROTATED, NHI-DORMANT-CREDENTIAL, NHI-NO-EXPIRY);
 * cluster-admin, escalation paths and cluster-wide Secret reads are
 * NHI-ADMIN, NHI-PRIVILEGE-ESCALATION and NHI-DATA-EXFILTRATION.
 */

const isServiceAccount = (spec: NonHumanIdentitySpec) =>
  spec.type === 'kubernetes-service-account';

/** The account's name: the last part of `k8s:<cluster>:<namespace>:<name>`. */
const accountName = (spec: NonHumanIdentitySpec) =>
  spec.externalId.slice(spec.externalId.lastIndexOf(':') + 1);
const namespaceOf = (spec: NonHumanIdentitySpec) =>
  spec.externalId.split(':').slice(-2, -1)[0] ?? '';

/** The rules of the Kubernetes source, spread into NHI_RULES. */
export const NHI_KUBERNETES_RULES: NhiRule[] = [
  {
    id: 'NHI-K8S-DEFAULT-SA-BOUND',
    title: "Namespace's default service account holds roles",
    severity: 'medium',
    owasp: 'NHI9',
    description:
      'Every pod of a namespace that names no service account runs as its `default` account. Roles bound to it (directly or through the group of the namespace’s service accounts) are shared by all of those pods, whatever they are: one identity reused by unrelated workloads.',
    remediation:
      'Remove the bindings from the default account, give each workload its own service account with the roles it needs, and set automountServiceAccountToken: false on the default account.',
    check: spec => {
      if (!isServiceAccount(spec) || accountName(spec) !== 'default') {
        return undefined;
      }
      const roles = (spec.permissions?.scopes ?? []).filter(
        s => !/\(role not found\)$/.test(s),
      );
      return roles.length
        ? `default account of namespace ${namespaceOf(spec)} holds ${shortList(
            roles,
          )}`
        : undefined;
    },
  },
  {
    id: 'NHI-K8S-TOKEN-BESIDE-FEDERATION',
    title: 'Legacy token kept beside workload identity',
    severity: 'medium',
    owasp: 'NHI7',
    description:
      'The service account is federated to a cloud identity (EKS IAM roles for service accounts, GKE or Azure workload identity), so its workloads get short-lived credentials — yet a long-lived legacy token Secret of it is still active. Whoever reads that Secret can use the account, and through it the cloud identity, for as long as the token lives.',
    remediation:
      'Find what still uses the token (its last-used date), move it to a bound token (kubectl create token, or a projected volume), then delete the Secret.',
    check: spec => {
      if (!isServiceAccount(spec) || !spec.federation?.length) return undefined;
      const tokens = active(spec).filter(c => c.kind === 'token');
      if (!tokens.length) return undefined;
      return `federated to ${shortList(
        spec.federation.map(f => f.target ?? f.kind),
        2,
      )}; legacy token ${shortList(
        tokens.map(c => c.id),
        2,
      )} still active`;
    },
  },
];
