import { nhiEntityName } from './names';

describe('nhiEntityName', () => {
  it('is readable, stable and valid as a catalog name', () => {
    const name = nhiEntityName(
      'aws',
      'ci-deployer',
      'arn:aws:iam::123456789012:user/ci-deployer',
    );
    expect(name).toMatch(/^aws-ci-deployer-[0-9a-f]{8}$/);
    expect(
      nhiEntityName(
        'aws',
        'ci-deployer',
        'arn:aws:iam::123456789012:user/ci-deployer',
      ),
    ).toBe(name);
  });

  it('tells apart the same local name in two accounts', () => {
    expect(
      nhiEntityName(
        'aws',
        'deployer',
        'arn:aws:iam::111111111111:user/deployer',
      ),
    ).not.toBe(
      nhiEntityName(
        'aws',
        'deployer',
        'arn:aws:iam::222222222222:user/deployer',
      ),
    );
  });

  it('keeps long and odd names within 63 valid characters', () => {
    const name = nhiEntityName(
      'kubernetes',
      'prod-cluster/some-very-long-namespace-name/service-account-with-a-long-name',
      'k8s:prod:ns:sa',
    );
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(nhiEntityName('x', '///', 'id')).toMatch(/^x-[0-9a-f]{8}$/);
  });
});
