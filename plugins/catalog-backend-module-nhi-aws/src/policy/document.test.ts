import { parsePolicy } from './document';

describe('parsePolicy', () => {
  it('normalizes single values to lists and lower-cases condition keys', () => {
    const p = parsePolicy(
      {
        Version: '2012-10-17',
        Statement: {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/*',
          Condition: { Bool: { 'aws:SecureTransport': true } },
        },
      },
      'identity',
    );
    expect(p.errors).toEqual([]);
    expect(p.variables).toBe(true);
    expect(p.statements).toEqual([
      {
        index: 0,
        effect: 'Allow',
        actions: ['s3:GetObject'],
        resources: ['arn:aws:s3:::b/*'],
        conditions: [
          { operator: 'Bool', key: 'aws:securetransport', values: ['true'] },
        ],
      },
    ]);
  });

  it('reads principals of a trust policy, "*" and {"AWS": "*"} alike', () => {
    const p = parsePolicy(
      {
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              AWS: ['*', '222222222222'],
              Service: 'ec2.amazonaws.com',
            },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      'trust',
    );
    expect(p.variables).toBe(false);
    expect(p.statements[0].principals).toEqual([
      { type: 'wildcard' },
      { type: 'AWS', value: '222222222222' },
      { type: 'Service', value: 'ec2.amazonaws.com' },
    ]);
  });

  it.each([
    [null, 'the document is not a JSON object'],
    [{ Version: '2012-10-17' }, 'the document has no Statement'],
    [
      { Statement: [{ Effect: 'Perhaps', Action: '*', Resource: '*' }] },
      'statement 1: Effect must be "Allow" or "Deny"',
    ],
    [
      { Statement: [{ Effect: 'Allow', Resource: '*' }] },
      'statement 1: needs exactly one of Action and NotAction',
    ],
    [
      { Statement: [{ Effect: 'Allow', Action: '*' }] },
      'statement 1: needs Resource or NotResource',
    ],
    [
      {
        Statement: [
          { Effect: 'Allow', Action: 'not an action', Resource: '*' },
        ],
      },
      'statement 1: "not an action" is not an action',
    ],
    [
      {
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: '*', Actions: 'x' },
        ],
      },
      'statement 1: unknown element Actions',
    ],
    [
      {
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: [] },
        ],
      },
      'statement 1: Condition must be an object',
    ],
  ])('refuses %j: %s', (document, error) => {
    const p = parsePolicy(document, 'identity');
    expect(p.errors[0]).toBe(error);
    expect(p.statements).toEqual([]);
  });
});
