import { NhiInventoryExportItem } from '@backstage-nhi/plugin-nhi-common';

/** An identity as the inventory export hands it out: an unowned IAM user by default. */
export function exportItem(
  name: string,
  spec: Partial<NhiInventoryExportItem['spec']> = {},
): NhiInventoryExportItem {
  return {
    kind: 'NonHumanIdentity',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'iam-user',
      category: 'service-account',
      provider: 'aws',
      account: '123456789012',
      externalId: `arn:aws:iam::123456789012:user/${name}`,
      ownership: { status: 'unowned', provenance: 'none' },
      ...spec,
    },
  };
}
