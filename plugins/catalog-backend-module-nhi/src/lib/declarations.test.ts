import { DeclarationIndex, parseDeclarationAnnotation } from './declarations';

describe('parseDeclarationAnnotation', () => {
  it('splits on commas and new lines and drops blanks', () => {
    expect(
      parseDeclarationAnnotation(
        ' arn:aws:iam::*:role/payments-*, AKIAEXAMPLE\n\n datadog:api-key:1 ,',
      ),
    ).toEqual([
      'arn:aws:iam::*:role/payments-*',
      'AKIAEXAMPLE',
      'datadog:api-key:1',
    ]);
    expect(parseDeclarationAnnotation(undefined)).toEqual([]);
  });
});

describe('DeclarationIndex', () => {
  const api = {
    entityRef: 'component:default/payments-api',
    owner: 'group:default/payments',
    patterns: ['arn:aws:iam::*:role/payments-*', 'AKIAEXAMPLE0001'],
  };
  const worker = {
    entityRef: 'component:default/billing-worker',
    owner: 'group:default/billing',
    patterns: ['arn:aws:iam::111111111111:role/payments-batch', 'aws-shared-*'],
  };
  const index = new DeclarationIndex([api, worker]);
  const keys = (
    externalId: string,
    entityName = 'x',
    credentialIds: string[] = [],
  ) => ({
    externalId,
    entityName,
    credentialIds,
  });

  it('matches external ids by glob, within one path segment', () => {
    expect(
      index.match(keys('arn:aws:iam::111111111111:role/payments-api')),
    ).toEqual([api]);
    expect(
      index.match(keys('arn:aws:iam::111111111111:role/ops/payments-api')),
    ).toEqual([]);
  });

  it('matches exact ids, case-insensitively, including credential ids', () => {
    expect(
      index.match(keys('arn:aws:iam::1:user/u', 'x', ['akiaexample0001'])),
    ).toEqual([api]);
  });

  it('matches entity names', () => {
    expect(index.match(keys('id', 'aws-shared-deployer-1a2b3c4d'))).toEqual([
      worker,
    ]);
  });

  it('returns every declaring entity once, sorted', () => {
    expect(
      index.match(keys('arn:aws:iam::111111111111:role/payments-batch')),
    ).toEqual([worker, api]);
  });

  it('matches nothing when nothing declares', () => {
    expect(new DeclarationIndex([]).match(keys('a'))).toEqual([]);
  });
});
