import type { NonHumanIdentitySpec } from '../../kind/types';
import { shortList } from '../../text';
import { active } from '../ruleHelpers';
import type { NhiRule } from '../rules';

/*
 * Rules of the Google Cloud source (provider `gcp`): what the catalog's
 * general rules do not see in a service account. Admin-equivalent roles,
 * impersonation grants, public and partner trust, key age and last use are
 * the general rules' (NHI-ADMIN, NHI-PRIVILEGE-ESCALATION, NHI-PUBLIC-TRUST,
 * NHI-THIRD-PARTY-TRUST, NHI-CREDENTIAL-NOT-ROTATED, NHI-DORMANT-…).
 */

const isGcp = (spec: NonHumanIdentitySpec) => spec.provider === 'gcp';

/** The workload identity pool of an issuer (`//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github` → `github`). */
const poolName = (issuer: string | undefined) =>
  issuer?.slice(issuer.lastIndexOf('/') + 1) ?? 'a pool';

/**
 * The rules of the Google Cloud source.
 *
 * @public
 */
export const NHI_GCP_RULES: NhiRule[] = [
  {
    id: 'NHI-GCP-KEY-BESIDE-FEDERATION',
    title: 'Service-account key kept beside workload identity federation',
    severity: 'medium',
    owasp: 'NHI7',
    description:
      'The service account is bound to workload identity federation (a workload identity pool or GKE workload identity) and still has an active user-managed key: a private key that never expires by default, which the federation made unnecessary — usually left over from before the switch.',
    remediation:
      'Move whatever still uses the key to the federated identity, disable the key, then delete it; the organization policy iam.disableServiceAccountKeyCreation stops new ones.',
    check: spec => {
      if (!isGcp(spec) || !spec.federation?.length) return undefined;
      const keys = active(spec).filter(c => c.kind === 'access-key');
      if (!keys.length) return undefined;
      return `federated through ${shortList(
        spec.federation.map(f => f.subject ?? `pool ${poolName(f.issuer)}`),
        2,
      )}; still holds key ${shortList(
        keys.map(c => c.id),
        2,
      )}`;
    },
  },
  {
    id: 'NHI-GCP-WIF-ANY-IDENTITY',
    title: 'Any identity of a workload identity pool can impersonate it',
    severity: 'high',
    owasp: 'NHI6',
    description:
      'The service account lets every identity of a workload identity pool act as it (principalSet://…/workloadIdentityPools/<pool>/*) rather than one subject or attribute: every repository, pipeline or workload the pool’s providers accept can use it.',
    remediation:
      'Bind roles/iam.workloadIdentityUser to the one principal or attribute that needs it (e.g. principalSet://…/attribute.repository/<org>/<repo>), and keep an attribute condition on the pool’s providers.',
    check: spec => {
      if (!isGcp(spec)) return undefined;
      const open = (spec.federation ?? []).filter(
        f => f.kind === 'federated-credential' && !f.subject,
      );
      return open.length
        ? `any identity of ${shortList(
            open.map(f => `pool ${poolName(f.issuer)}`),
          )}`
        : undefined;
    },
  },
];
