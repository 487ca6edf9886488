import { GcpGrantIndex } from './grants';
import { permissionsOf, trustOf } from './normalize';

const ME = 'api@acme-prod.iam.gserviceaccount.com';

function grantsOf(
  ...policies: Array<[Parameters<GcpGrantIndex['add']>[0], string, string]>
) {
  const index = new GcpGrantIndex();
  for (const [on, role, member] of policies) {
    index.add(on, [{ role, members: [member] }]);
  }
  return index.of(ME);
}

describe('permissionsOf', () => {
  it('drops escalation paths in a scope where the account is admin already, and keeps the others', () => {
    const p = permissionsOf(
      ME,
      grantsOf(
        [
          { kind: 'project', id: 'acme-prod' },
          'roles/owner',
          `serviceAccount:${ME}`,
        ],
        [
          { kind: 'project', id: 'acme-prod' },
          'roles/iam.serviceAccountTokenCreator',
          `serviceAccount:${ME}`,
        ],
        [
          { kind: 'project', id: 'acme-data' },
          'roles/iam.serviceAccountKeyAdmin',
          `serviceAccount:${ME}`,
        ],
      ),
      {},
      [],
    );
    expect(p.admin).toBe(true);
    expect(p.escalation).toEqual([
      'iam.serviceAccountKeyAdmin in project acme-data',
    ]);
    expect(p.summary).toMatch(
      /^Administrator-equivalent: owner in project acme-prod \(full control, IAM included\); can become other identities: iam.serviceAccountKeyAdmin in project acme-data; roles: iam.serviceAccountTokenCreator in project acme-prod$/,
    );
  });

  it('ignores a grant of the account on itself, and says when no role was seen', () => {
    const p = permissionsOf(
      ME,
      grantsOf([
        { kind: 'service-account', id: ME },
        'roles/iam.serviceAccountTokenCreator',
        `serviceAccount:${ME}`,
      ]),
      {},
      [],
    );
    expect(p).toEqual({
      admin: false,
      summary: 'no roles granted in the IAM policies read',
    });
  });

  it('owner of another account is a way to become it, not admin', () => {
    const p = permissionsOf(
      ME,
      grantsOf([
        {
          kind: 'service-account',
          id: 'deploy@acme-prod.iam.gserviceaccount.com',
        },
        'roles/owner',
        `serviceAccount:${ME}`,
      ]),
      {},
      [],
    );
    expect(p.admin).toBe(false);
    expect(p.escalation).toEqual([
      'owner on deploy@acme-prod.iam.gserviceaccount.com',
    ]);
  });
});

describe('trustOf', () => {
  const ctx = {
    organizationProjects: new Set(['acme-prod', 'acme-ci']),
    projectIdsByNumber: new Map([['42', 'acme-ci']]),
    organizationKnown: true,
  };

  it('sorts who may act as the account', () => {
    const t = trustOf(
      ME,
      'acme-prod',
      [
        {
          role: 'roles/iam.serviceAccountTokenCreator',
          members: [
            'serviceAccount:deploy@acme-prod.iam.gserviceaccount.com',
            'serviceAccount:42-compute@developer.gserviceaccount.com',
            'serviceAccount:sync@vendor-prod.iam.gserviceaccount.com',
            'serviceAccount:service-7@gcp-sa-cloudbuild.iam.gserviceaccount.com',
            'group:oncall@acme.example',
          ],
        },
        // Not a role that lets anyone act as the account.
        { role: 'roles/iam.serviceAccountViewer', members: ['allUsers'] },
      ],
      [
        {
          role: 'roles/iam.serviceAccountUser',
          members: ['allAuthenticatedUsers'],
        },
        // Project owners are judged on their own side, not as trust.
        { role: 'roles/owner', members: ['user:root@acme.example'] },
      ],
      ctx,
    );
    expect(t.trust).toEqual({
      public: true,
      services: ['gcp-sa-cloudbuild.iam.gserviceaccount.com'],
      organizationAccounts: ['acme-ci'],
      externalAccounts: ['vendor-prod'],
    });
    expect(t.notes).toEqual([
      'people who can act as it: group:oncall@acme.example',
    ]);
    expect(t.federation).toEqual([]);
  });

  it('names other projects only in the summary when the organization is not known', () => {
    const t = trustOf(
      ME,
      'acme-prod',
      [
        {
          role: 'roles/iam.serviceAccountTokenCreator',
          members: ['serviceAccount:sync@vendor-prod.iam.gserviceaccount.com'],
        },
      ],
      [],
      { ...ctx, organizationKnown: false },
    );
    expect(t.trust).toEqual({});
    expect(t.notes).toEqual([
      'accounts of projects not read can act as it: vendor-prod',
    ]);
  });

  it('counts federation only through roles that mint tokens', () => {
    const pool =
      'principalSet://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/gitlab';
    const t = trustOf(
      ME,
      'acme-prod',
      [
        {
          role: 'roles/iam.serviceAccountTokenCreator',
          members: [`${pool}/attribute.project_path/acme/api`],
        },
        { role: 'roles/iam.serviceAccountViewer', members: [`${pool}/*`] },
      ],
      [],
      ctx,
    );
    expect(t.federation).toEqual([
      {
        kind: 'federated-credential',
        issuer:
          '//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/gitlab',
        subject: 'attribute.project_path/acme/api',
      },
    ]);
    expect(t.usedBy).toEqual([]);
  });
});
