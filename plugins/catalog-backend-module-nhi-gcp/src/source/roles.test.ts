import {
  isGoogleManagedServiceAccount,
  parseMember,
  projectOfServiceAccount,
} from './roles';

describe('parseMember', () => {
  it.each([
    [
      'serviceAccount:Deploy@acme-prod.iam.gserviceaccount.com',
      {
        kind: 'service-account',
        email: 'deploy@acme-prod.iam.gserviceaccount.com',
      },
    ],
    [
      'user:amara@acme.example',
      { kind: 'person', value: 'user:amara@acme.example' },
    ],
    ['allUsers', { kind: 'public', value: 'allUsers' }],
    [
      'principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/attribute.repository/acme/api',
      {
        kind: 'workload-pool',
        pool: 'projects/123/locations/global/workloadIdentityPools/github',
        subject: 'attribute.repository/acme/api',
      },
    ],
    [
      'principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/*',
      {
        kind: 'workload-pool',
        pool: 'projects/123/locations/global/workloadIdentityPools/github',
      },
    ],
    [
      'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/aws/subject/arn:aws:sts::1:assumed-role/x',
      {
        kind: 'workload-pool',
        pool: 'projects/123/locations/global/workloadIdentityPools/aws',
        subject: 'subject/arn:aws:sts::1:assumed-role/x',
      },
    ],
    [
      'serviceAccount:acme-prod.svc.id.goog[payments/api]',
      {
        kind: 'gke-workload',
        pool: 'acme-prod.svc.id.goog',
        namespace: 'payments',
        serviceAccount: 'api',
      },
    ],
    [
      'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/payments/sa/api',
      {
        kind: 'gke-workload',
        pool: 'acme-prod.svc.id.goog',
        namespace: 'payments',
        serviceAccount: 'api',
      },
    ],
    [
      'deleted:serviceAccount:old@p.iam.gserviceaccount.com?uid=1',
      {
        kind: 'other',
        value: 'deleted:serviceAccount:old@p.iam.gserviceaccount.com?uid=1',
      },
    ],
  ])('%s', (member, parsed) => {
    expect(parseMember(member)).toEqual(parsed);
  });
});

describe('service accounts', () => {
  it('tells service agents from the project’s own and default accounts', () => {
    expect(
      isGoogleManagedServiceAccount(
        'service-1@gcp-sa-pubsub.iam.gserviceaccount.com',
      ),
    ).toBe(true);
    expect(
      isGoogleManagedServiceAccount('1@cloudservices.gserviceaccount.com'),
    ).toBe(true);
    expect(
      isGoogleManagedServiceAccount('1@cloudbuild.gserviceaccount.com'),
    ).toBe(true);
    expect(
      isGoogleManagedServiceAccount('api@acme-prod.iam.gserviceaccount.com'),
    ).toBe(false);
    expect(
      isGoogleManagedServiceAccount('1-compute@developer.gserviceaccount.com'),
    ).toBe(false);
    expect(
      isGoogleManagedServiceAccount('acme-prod@appspot.gserviceaccount.com'),
    ).toBe(false);
  });

  it('finds the project an e-mail names', () => {
    const byNumber = new Map([['42', 'acme-prod']]);
    expect(
      projectOfServiceAccount('api@acme-prod.iam.gserviceaccount.com'),
    ).toBe('acme-prod');
    expect(
      projectOfServiceAccount(
        '42-compute@developer.gserviceaccount.com',
        byNumber,
      ),
    ).toBe('acme-prod');
    expect(
      projectOfServiceAccount('acme-prod@appspot.gserviceaccount.com'),
    ).toBe('acme-prod');
    expect(
      projectOfServiceAccount('x@legacy.example.com.iam.gserviceaccount.com'),
    ).toBe('example.com:legacy');
    expect(
      projectOfServiceAccount(
        'service-1@gcp-sa-pubsub.iam.gserviceaccount.com',
      ),
    ).toBeUndefined();
  });
});
