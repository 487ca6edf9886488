import { Entity } from '@backstage/catalog-model';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { NonHumanIdentityProcessor } from './NonHumanIdentityProcessor';

const example = (name: string) =>
  yaml.load(
    fs.readFileSync(
      path.resolve(
        require.resolve('@backstage-nhi/plugin-nhi-common/package.json'),
        '..',
        'examples',
        name,
      ),
      'utf8',
    ),
  ) as Entity;
const location = {
  type: 'url',
  target: 'https://example.com/catalog-info.yaml',
};

async function relationsOf(entity: Entity) {
  const emitted: any[] = [];
  await new NonHumanIdentityProcessor().postProcessEntity(entity, location, r =>
    emitted.push(r),
  );
  return emitted
    .filter(r => r.type === 'relation')
    .map(
      ({ relation: r }) =>
        `${r.source.kind.toLowerCase()}:${r.source.namespace}/${
          r.source.name
        } ${r.type} ${r.target.kind.toLowerCase()}:${r.target.namespace}/${
          r.target.name
        }`,
    );
}

describe('NonHumanIdentityProcessor', () => {
  const processor = new NonHumanIdentityProcessor();

  it('validates the kind and ignores others', async () => {
    await expect(
      processor.validateEntityKind(example('aws-iam-user.yaml')),
    ).resolves.toBe(true);
    await expect(
      processor.validateEntityKind({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'x' },
        spec: {},
      }),
    ).resolves.toBe(false);
    const bad = example('aws-iam-user.yaml');
    (bad.spec as any).category = 'robot';
    await expect(processor.validateEntityKind(bad)).rejects.toThrow(
      /spec\/category/,
    );
  });

  it('emits owner, user and creator relations both ways', async () => {
    expect(await relationsOf(example('aws-iam-user.yaml'))).toEqual([
      'nonhumanidentity:default/aws-ci-deployer-5d0c1e2a ownedBy group:default/platform',
      'group:default/platform ownerOf nonhumanidentity:default/aws-ci-deployer-5d0c1e2a',
      'nonhumanidentity:default/aws-ci-deployer-5d0c1e2a dependencyOf component:default/ci-runner',
      'component:default/ci-runner dependsOn nonhumanidentity:default/aws-ci-deployer-5d0c1e2a',
      'nonhumanidentity:default/aws-ci-deployer-5d0c1e2a createdBy user:default/ben.okafor',
      'user:default/ben.okafor creatorOf nonhumanidentity:default/aws-ci-deployer-5d0c1e2a',
    ]);
  });

  it('links an agent-created identity to the agent and the human it acted for', async () => {
    expect(await relationsOf(example('agent-created-role.yaml'))).toEqual([
      'nonhumanidentity:default/aws-setup-admin-9a8b7c6d createdBy nonhumanidentity:default/ops-agent-token',
      'nonhumanidentity:default/ops-agent-token creatorOf nonhumanidentity:default/aws-setup-admin-9a8b7c6d',
      'nonhumanidentity:default/aws-setup-admin-9a8b7c6d actsOnBehalfOf user:default/chen.li',
      'user:default/chen.li hasDelegate nonhumanidentity:default/aws-setup-admin-9a8b7c6d',
    ]);
  });

  it('makes ownership explicit on hand-written identities', async () => {
    const owned = (await processor.preProcessEntity(
      example('datadog-api-key.yaml'),
    )) as any;
    expect(owned.spec.ownership).toEqual({
      status: 'owned',
      provenance: 'declared',
    });
    const unowned = example('datadog-api-key.yaml') as any;
    delete unowned.spec.owner;
    expect(
      ((await processor.preProcessEntity(unowned)) as any).spec.ownership,
    ).toEqual({
      status: 'unowned',
      provenance: 'none',
    });
  });

  it('leaves identities from a source as the pipeline built them', async () => {
    const fromSource = example('aws-iam-user.yaml');
    expect(await processor.preProcessEntity(fromSource)).toBe(fromSource);
  });

  it('summarises a hand-written identity through the summary writer, and leaves one from a source to the pipeline', async () => {
    const inventory = { write: jest.fn(), remove: jest.fn() };
    const summarising = new NonHumanIdentityProcessor({ inventory });
    const handWritten = example('aws-iam-user.yaml');
    delete handWritten.metadata.annotations;
    await summarising.postProcessEntity(handWritten, location, () => {});
    expect(inventory.write).toHaveBeenCalledWith('declared', [handWritten]);
    const sourced = example('aws-iam-user.yaml');
    expect(sourced.metadata.annotations?.['backstage-nhi.io/source']).toBe(
      'aws:production',
    );
    inventory.write.mockClear();
    await summarising.postProcessEntity(sourced, location, () => {});
    expect(inventory.write).not.toHaveBeenCalled();
  });
});
