import schema from '../kind/NonHumanIdentity.v1alpha1.schema.json';
import { NHI_RISK_LEVELS, NHI_SEVERITIES } from './levels';
import {
  NHI_IDENTITY_ROTATION_STATUSES,
  NHI_ROTATION_STATUSES,
} from './rotation';

/** Every `enum` of the kind's JSON schema. */
function enums(node: unknown, found: string[][] = []): string[][] {
  if (Array.isArray(node)) node.forEach(n => enums(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'enum' && Array.isArray(value)) found.push(value);
      else enums(value, found);
    }
  }
  return found;
}

const sorted = (values: readonly string[]) => [...values].sort();

describe('the scales the UI lists', () => {
  it('are worst first', () => {
    expect(NHI_RISK_LEVELS).toEqual([
      'critical',
      'high',
      'medium',
      'low',
      'none',
    ]);
    expect(NHI_SEVERITIES).toEqual(NHI_RISK_LEVELS.slice(0, -1));
    expect(NHI_ROTATION_STATUSES.indexOf('expired')).toBe(0);
    expect(NHI_IDENTITY_ROTATION_STATUSES.at(-1)).toBe('not-applicable');
  });

  it('hold exactly the values the kind’s schema allows', () => {
    const all = enums(schema).map(sorted);
    const withLevel = all.filter(e => e.includes('critical'));
    expect(withLevel).toContainEqual(sorted(NHI_RISK_LEVELS));
    expect(withLevel).toContainEqual(sorted(NHI_SEVERITIES));
    for (const e of withLevel) {
      expect([sorted(NHI_RISK_LEVELS), sorted(NHI_SEVERITIES)]).toContainEqual(
        e,
      );
    }
    const withRotation = all.filter(e => e.includes('overdue'));
    // a credential's status, and an identity's (which also allows `inactive`)
    expect(withRotation.sort()).toEqual(
      [
        sorted(NHI_ROTATION_STATUSES),
        sorted([...NHI_ROTATION_STATUSES, 'not-applicable']),
      ].sort(),
    );
    expect(sorted([...NHI_IDENTITY_ROTATION_STATUSES, 'inactive'])).toEqual(
      sorted([...NHI_ROTATION_STATUSES, 'not-applicable']),
    );
  });
});
