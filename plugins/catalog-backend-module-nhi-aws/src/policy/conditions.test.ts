import { evaluateConditions, KnownContext } from './conditions';

const passed = (service: string | null): KnownContext =>
  new Map([['iam:passedtoservice', service === null ? null : [service]]]);
const c = (operator: string, values: string[], key = 'iam:passedtoservice') => [
  { operator, key, values },
];

describe('evaluateConditions', () => {
  it('is unknown for keys the analysis does not know', () => {
    expect(
      evaluateConditions(
        c('IpAddress', ['10.0.0.0/8'], 'aws:sourceip'),
        passed(null),
      ),
    ).toBe('unknown');
    expect(evaluateConditions([], passed(null))).toBe('true');
  });

  it('evaluates string operators on known values', () => {
    const ctx = passed('lambda.amazonaws.com');
    expect(
      evaluateConditions(c('StringEquals', ['lambda.amazonaws.com']), ctx),
    ).toBe('true');
    expect(
      evaluateConditions(c('StringEquals', ['ec2.amazonaws.com']), ctx),
    ).toBe('false');
    expect(evaluateConditions(c('StringLike', ['lambda.*']), ctx)).toBe('true');
    expect(
      evaluateConditions(c('StringNotEquals', ['ec2.amazonaws.com']), ctx),
    ).toBe('true');
    expect(
      evaluateConditions(
        c('StringEqualsIgnoreCase', ['LAMBDA.amazonaws.com']),
        ctx,
      ),
    ).toBe('true');
    expect(
      evaluateConditions(
        c('ForAnyValue:StringEquals', ['x', 'lambda.amazonaws.com']),
        ctx,
      ),
    ).toBe('true');
  });

  it('follows AWS for an absent key: IfExists and negations hold, the rest do not', () => {
    const absent = passed(null);
    expect(
      evaluateConditions(c('StringEquals', ['lambda.amazonaws.com']), absent),
    ).toBe('false');
    expect(
      evaluateConditions(
        c('StringEqualsIfExists', ['lambda.amazonaws.com']),
        absent,
      ),
    ).toBe('true');
    expect(
      evaluateConditions(
        c('StringNotEquals', ['lambda.amazonaws.com']),
        absent,
      ),
    ).toBe('true');
    expect(evaluateConditions(c('Null', ['true']), absent)).toBe('true');
    expect(evaluateConditions(c('Null', ['false']), absent)).toBe('false');
  });

  it('needs every condition: one false wins over unknown ones', () => {
    expect(
      evaluateConditions(
        [
          ...c('Bool', ['true'], 'aws:multifactorauthpresent'),
          ...c('StringEquals', ['ec2.amazonaws.com']),
        ],
        passed('lambda.amazonaws.com'),
      ),
    ).toBe('false');
  });
});
