import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import scaffolderModuleNhi from '.';

describe('scaffolderModuleNhi', () => {
  it('adds the NHI actions to the scaffolder, each with a dry run', async () => {
    const added: TemplateAction<any, any, any>[] = [];
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          {
            addActions: (...a: TemplateAction<any, any, any>[]) =>
              added.push(...a),
          },
        ],
      ],
      features: [
        scaffolderModuleNhi,
        mockServices.rootConfig.factory({
          data: {
            nhi: { actions: { agentIdentity: { defaultExpiryHours: 8 } } },
          },
        }),
      ],
    });
    expect(added.map(a => a.id).sort()).toEqual([
      'nhi:agent-identity:create',
      'nhi:aws:access-key:deactivate',
      'nhi:aws:access-key:delete',
      'nhi:aws:console-password:remove',
      'nhi:identity:disable',
      'nhi:identity:tag',
    ]);
    expect(added.every(a => a.supportsDryRun)).toBe(true);
    const agent = added.find(a => a.id === 'nhi:agent-identity:create')!;
    expect(agent.schema?.input).toMatchObject({
      required: ['agentId', 'reason'],
    });
  });
});
