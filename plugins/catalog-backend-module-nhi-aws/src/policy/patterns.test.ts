import { actionMatches, resourceMatches } from './patterns';

describe('actionMatches', () => {
  it('matches wildcards case-insensitively', () => {
    expect(actionMatches('s3:GetObject', 's3:get*')).toBe(true);
    expect(actionMatches('s3:GetObject', 'S3:Get?bject')).toBe(true);
    expect(actionMatches('s3:GetObject', '*')).toBe(true);
    expect(actionMatches('s3:GetObject', 's3:Put*')).toBe(false);
    expect(actionMatches('s3:GetObject', 's3')).toBe(false);
    // a dot in a pattern is a dot, not any character
    expect(actionMatches('s3xGetObject', 's3.GetObject')).toBe(false);
  });
});

describe('resourceMatches', () => {
  it('matches ARNs part by part, the resource part keeping its colons', () => {
    expect(resourceMatches('arn:aws:s3:::b/k', 'arn:aws:s3:::*')).toBe(true);
    expect(resourceMatches('*', 'arn:aws:s3:::*')).toBe(false);
    expect(resourceMatches('*', '*')).toBe(true);
    expect(
      resourceMatches(
        'arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/x:*',
        'arn:aws:logs:*:*:log-group:/aws/lambda/*',
      ),
    ).toBe(true);
    // a wildcard stays within its part
    expect(
      resourceMatches(
        'arn:aws:iam::111111111111:extra:role/x',
        'arn:aws:iam::*:role/x',
      ),
    ).toBe(false);
    // ARNs are case-sensitive
    expect(resourceMatches('arn:aws:s3:::Bucket', 'arn:aws:s3:::bucket')).toBe(
      false,
    );
  });

  it('substitutes policy variables; an absent one matches nothing', () => {
    const vars = new Map([['aws:username', 'deployer']]);
    const pattern = 'arn:aws:iam::*:user/${aws:username}';
    expect(
      resourceMatches('arn:aws:iam::111111111111:user/deployer', pattern, vars),
    ).toBe(true);
    expect(
      resourceMatches('arn:aws:iam::111111111111:user/other', pattern, vars),
    ).toBe(false);
    expect(
      resourceMatches(
        'arn:aws:iam::111111111111:user/deployer',
        pattern,
        new Map(),
      ),
    ).toBe(false);
    // a substituted value is literal, and ${*} is a literal star
    expect(
      resourceMatches('arn:aws:s3:::b/*', 'arn:aws:s3:::b/${*}', new Map()),
    ).toBe(true);
    expect(
      resourceMatches('arn:aws:s3:::b/x', 'arn:aws:s3:::b/${*}', new Map()),
    ).toBe(false);
    // a default value stands in for an absent variable
    expect(
      resourceMatches(
        'arn:aws:s3:::home/guest',
        "arn:aws:s3:::home/${aws:username, 'guest'}",
        new Map(),
      ),
    ).toBe(true);
  });
});
