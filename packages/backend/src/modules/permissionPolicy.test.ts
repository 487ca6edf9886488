import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  nhiActionConfirmPermission,
  nhiActionReadPermission,
  nhiActionRunPermission,
  nhiAgentIdentityCreatePermission,
  nhiCampaignDecidePermission,
  nhiCampaignManagePermission,
  nhiCampaignReadPermission,
  nhiSourceReadPermission,
  nhiSourceRunPermission,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiDemoPermissionPolicy } from './permissionPolicy';

/** A signed-in user of the demo (examples/org.yaml) and what they own. */
const user = (ref: string, ...groups: string[]) =>
  ({
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
  } as unknown as PolicyQueryUser);

const guest = user('user:development/guest');
const developer = user('user:default/jade.thompson', 'group:default/payments');
const security = user('user:default/farah.haddad', 'group:default/security');

describe('NhiDemoPermissionPolicy', () => {
  const policy = new NhiDemoPermissionPolicy(['group:default/security']);
  const decide = async (permission: any, who?: PolicyQueryUser) =>
    (await policy.handle({ permission }, who)).result;

  it('lets only the security team start source runs and confirm held removals', async () => {
    expect(await decide(nhiSourceRunPermission, guest)).toBe(
      AuthorizeResult.DENY,
    );
    expect(await decide(nhiSourceRunPermission, developer)).toBe(
      AuthorizeResult.DENY,
    );
    expect(await decide(nhiSourceRunPermission, undefined)).toBe(
      AuthorizeResult.DENY,
    );
    expect(await decide(nhiSourceRunPermission, security)).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it('lets only the security team run and confirm remediation actions; everyone see them and create agent identities', async () => {
    for (const p of [nhiActionRunPermission, nhiActionConfirmPermission]) {
      expect(await decide(p, developer)).toBe(AuthorizeResult.DENY);
      expect(await decide(p, guest)).toBe(AuthorizeResult.DENY);
      expect(await decide(p, security)).toBe(AuthorizeResult.ALLOW);
    }
    for (const p of [
      nhiActionReadPermission,
      nhiAgentIdentityCreatePermission,
    ]) {
      expect(await decide(p, developer)).toBe(AuthorizeResult.ALLOW);
    }
    // the scaffolder's own: developers run templates
    const runTemplate = createPermission({
      name: 'scaffolder.task.create',
      attributes: { action: 'create' },
    });
    expect(await decide(runTemplate, developer)).toBe(AuthorizeResult.ALLOW);
  });

  it('still lets everyone see the sources and use the rest of the portal', async () => {
    expect(await decide(nhiSourceReadPermission, guest)).toBe(
      AuthorizeResult.ALLOW,
    );
    const other = createPermission({
      name: 'catalog.entity.read',
      attributes: { action: 'read' },
    });
    expect(await decide(other, developer)).toBe(AuthorizeResult.ALLOW);
  });

  it('lets the security team start and close campaigns, everyone see them, and each item’s reviewers decide it', async () => {
    expect(await decide(nhiCampaignManagePermission, security)).toBe(
      AuthorizeResult.ALLOW,
    );
    expect(await decide(nhiCampaignManagePermission, developer)).toBe(
      AuthorizeResult.DENY,
    );
    expect(await decide(nhiCampaignReadPermission, developer)).toBe(
      AuthorizeResult.ALLOW,
    );
    const decision = await policy.handle(
      { permission: nhiCampaignDecidePermission },
      developer,
    );
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'nhi',
      resourceType: 'nhi-campaign-item',
      conditions: {
        rule: 'IS_ITEM_REVIEWER',
        resourceType: 'nhi-campaign-item',
        params: {
          claims: ['user:default/jade.thompson', 'group:default/payments'],
        },
      },
    });
    expect(
      (await policy.handle({ permission: nhiCampaignDecidePermission })).result,
    ).toBe(AuthorizeResult.DENY);
  });
});
