import type { NonHumanIdentitySpec } from '../../kind/types';
import { shortList } from '../../text';
import { DAY } from '../../time';
import { active } from '../ruleHelpers';
import type { NhiRule } from '../rules';
import { parseTime } from '../time';

/*
 * Rules of the Microsoft Entra ID source (provider `azure`): what the
 * catalog's general rules do not see in an Entra application.
 */

const isAzure = (spec: NonHumanIdentitySpec) => spec.provider === 'azure';

/** The most the Entra admin center lets a client secret live: 24 months. */
const PORTAL_MAX_SECRET_DAYS = 731;

/** The rules of the Microsoft Entra ID source, spread into NHI_RULES. */
export const NHI_AZURE_RULES: NhiRule[] = [
  {
    id: 'NHI-AZURE-SECRET-LIFETIME',
    title: 'Client secret valid for more than two years',
    severity: 'medium',
    owasp: 'NHI7',
    description:
      'An Entra application has an active client secret that lives longer than the two years the Entra admin center allows: it was made through the API or a script to outlast rotation, often valid until 2299. A leak of it stays useful for as long.',
    remediation:
      'Replace it with a secret that expires within your rotation period (better: a certificate or a federated credential), and cap secret lifetimes with an app management policy.',
    check: spec => {
      if (!isAzure(spec)) return undefined;
      const long = active(spec).filter(c => {
        const start = parseTime(c.createdAt);
        const end = parseTime(c.expiresAt);
        return (
          c.kind === 'client-secret' &&
          start !== undefined &&
          end !== undefined &&
          (end - start) / DAY > PORTAL_MAX_SECRET_DAYS
        );
      });
      return long.length
        ? shortList(
            long.map(c => `${c.id} valid until ${c.expiresAt!.slice(0, 10)}`),
          )
        : undefined;
    },
  },
  {
    id: 'NHI-AZURE-SECRET-BESIDE-FEDERATION',
    title: 'Secret kept beside a federated credential',
    severity: 'low',
    owasp: 'NHI7',
    description:
      'The Entra application trusts a federated credential (GitHub Actions, a Kubernetes cluster, another cloud) and still has an active client secret or certificate: a long-lived secret the federation made unnecessary, often left over from before the switch.',
    remediation:
      'Move whatever still uses the secret to the federated credential, then delete the secret.',
    check: spec => {
      if (!isAzure(spec)) return undefined;
      const federated = (spec.federation ?? []).filter(
        f => f.kind === 'federated-credential',
      );
      const secrets = active(spec).filter(
        c => c.kind === 'client-secret' || c.kind === 'certificate',
      );
      if (!federated.length || !secrets.length) return undefined;
      return `federated credential for ${shortList(
        federated.map(f => f.subject ?? f.issuer ?? 'an issuer'),
        2,
      )}; still holds ${shortList(
        secrets.map(c => `${c.kind} ${c.id}`),
        2,
      )}`;
    },
  },
  {
    id: 'NHI-AZURE-THIRD-PARTY-PRIVILEGED',
    title: "Another tenant's application holds powerful permissions",
    severity: 'high',
    owasp: 'NHI3',
    description:
      "A vendor's multi-tenant application — its credentials are kept in the vendor's tenant, out of your sight — was granted administrator-equivalent access, a privilege-escalation path or broad data access in your tenant: whoever compromises the vendor, or tricked someone into consenting, reaches your data.",
    remediation:
      'Review the consent with the application owner: remove the permissions the integration does not need, scope what it keeps (for mail, an Exchange application access policy), and revoke the consent if the integration is no longer used.',
    check: spec => {
      if (!isAzure(spec)) return undefined;
      const vendors = spec.permissions?.trust?.externalAccounts ?? [];
      if (!vendors.length) return undefined;
      const p = spec.permissions!;
      const powers = [
        ...(p.admin ? ['administrator-equivalent'] : []),
        ...(p.escalation ?? []),
        ...(p.dataExfiltration ?? []),
      ];
      return powers.length
        ? `application of tenant ${shortList(vendors)} with ${shortList(
            powers,
          )}`
        : undefined;
    },
  },
];
