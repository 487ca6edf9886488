import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  nhiActionConfirmPermission,
  nhiActionRunPermission,
  nhiCampaignDecidePermission,
  nhiCampaignManagePermission,
  nhiClaimReviewPermission,
  nhiSourceRunPermission,
} from '@backstage-nhi/plugin-nhi-common';
import {
  createNhiCampaignItemConditionalDecision,
  createNhiClaimConditionalDecision,
  nhiCampaignItemConditions,
  nhiClaimConditions,
} from '@backstage-nhi/plugin-nhi-backend';

/**
 * The demo's permission policy: everything is allowed except starting source
 * runs and confirming the removals they hold (`nhi.source.run`), which only
 * the security team may do, and reviewing ownership claims, which members of the security team may do for any claim,
 * the leads of the claimed group for claims to their group and the leads of
 * the owning group for transfers away from it — never for their own claim.
 * (The claims backend's own rules decide within that: a transfer needs the
 * owner's lead, or a security reviewer with a reason.) Access-review
 * campaigns are started and closed by the security team
 * (`nhi.campaign.manage`), and each item is decided by its reviewers
 * (`nhi.campaign.decide`, conditional on being one of them). Remediation
 * actions — from the identity page or the `nhi:*` scaffolder actions — are
 * run and confirmed (`nhi.action.run`, `nhi.action.confirm`) by the
 * operators too; everyone may see them (`nhi.action.read`), create an
 * AI-agent identity (`nhi.agent-identity.create`) and run templates.
 */
export class NhiDemoPermissionPolicy implements PermissionPolicy {
  /**
   * @param reviewerGroups - who reviews any claim
   * @param operatorGroups - who may start source runs and confirm held
   *   removals (`nhi.source.run`); by default the reviewer groups
   */
  constructor(
    private readonly reviewerGroups: string[],
    private readonly operatorGroups: string[] = reviewerGroups,
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (
      isPermission(request.permission, nhiSourceRunPermission) ||
      isPermission(request.permission, nhiActionRunPermission) ||
      isPermission(request.permission, nhiActionConfirmPermission)
    ) {
      // A run reads every account of the organization, and remediation
      // actions change identities (from the identity page or a template):
      // operators only.
      const member = this.operatorGroups.some(g =>
        user?.info.ownershipEntityRefs.includes(g),
      );
      return { result: member ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    if (isPermission(request.permission, nhiCampaignManagePermission)) {
      const member = this.reviewerGroups.some(g =>
        user?.info.ownershipEntityRefs.includes(g),
      );
      return { result: member ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    if (isPermission(request.permission, nhiCampaignDecidePermission)) {
      if (!user) return { result: AuthorizeResult.DENY };
      return createNhiCampaignItemConditionalDecision(
        request.permission,
        nhiCampaignItemConditions.isItemReviewer({
          claims: user.info.ownershipEntityRefs,
        }),
      );
    }
    if (isPermission(request.permission, nhiClaimReviewPermission)) {
      const userRef = user?.info.userEntityRef;
      if (!userRef) return { result: AuthorizeResult.DENY };
      const own = nhiClaimConditions.isClaimedBy({ userRefs: [userRef] });
      if (
        this.reviewerGroups.some(g => user.info.ownershipEntityRefs.includes(g))
      ) {
        return createNhiClaimConditionalDecision(request.permission, {
          not: own,
        });
      }
      return createNhiClaimConditionalDecision(request.permission, {
        allOf: [
          {
            anyOf: [
              nhiClaimConditions.isLeadOfClaimedGroup({ userRefs: [userRef] }),
              nhiClaimConditions.isLeadOfCurrentOwner({ userRefs: [userRef] }),
            ],
          },
          { not: own },
        ],
      });
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

/** Installs {@link NhiDemoPermissionPolicy}. */
export const permissionModuleNhiDemoPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'nhi-demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(
          new NhiDemoPermissionPolicy(['group:default/security']),
        );
      },
    });
  },
});
