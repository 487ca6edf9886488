import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  explainNonHumanIdentityError,
  isNonHumanIdentityEntity,
  nonHumanIdentityEntityV1alpha1Validator,
} from './validator';

const examplesDir = path.resolve(__dirname, '../../examples');
const examples = fs
  .readdirSync(examplesDir)
  .filter(f => f.endsWith('.yaml'))
  .map(f => [f, parse(fs.readFileSync(path.join(examplesDir, f), 'utf8'))]);

const valid = () =>
  parse(fs.readFileSync(path.join(examplesDir, 'aws-iam-user.yaml'), 'utf8'));

describe('NonHumanIdentity schema', () => {
  it('has documented examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples)('accepts the documented example %s', async (_, entity) => {
    expect(explainNonHumanIdentityError(entity)).toBeUndefined();
    await expect(
      nonHumanIdentityEntityV1alpha1Validator.check(entity),
    ).resolves.toBe(true);
    expect(isNonHumanIdentityEntity(entity)).toBe(true);
  });

  it('ignores other kinds', async () => {
    const component = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'x' },
      spec: { type: 'service', lifecycle: 'production', owner: 'team' },
    };
    await expect(
      nonHumanIdentityEntityV1alpha1Validator.check(component),
    ).resolves.toBe(false);
    expect(isNonHumanIdentityEntity(component)).toBe(false);
  });

  it.each<[string, (e: any) => void, string]>([
    [
      'an unknown category',
      e => {
        e.spec.category = 'robot';
      },
      'spec.category must be one of: service-account, api-key, machine-certificate, bot, ai-agent',
    ],
    [
      'a missing external id',
      e => {
        delete e.spec.externalId;
      },
      'spec is missing the required field "externalId"',
    ],
    [
      'a secret value on a credential',
      e => {
        e.spec.credentials[0].secretAccessKey =
          'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
      },
      'spec.credentials[0] has an unknown field "secretAccessKey"',
    ],
    [
      'a date that is not a date',
      e => {
        e.spec.credentials[1].createdAt = 'last tuesday';
      },
      'spec.credentials[1].createdAt has an invalid format (expected an ISO 8601 date)',
    ],
    [
      'an unknown credential status',
      e => {
        e.spec.credentials[0].status = 'maybe';
      },
      'spec.credentials[0].status must be one of: active, inactive, expired, revoked',
    ],
    [
      'an ownership without status',
      e => {
        e.spec.ownership = { provenance: 'tagged' };
      },
      'spec.ownership is missing the required field "status"',
    ],
    [
      'a type that is not kebab-case',
      e => {
        e.spec.type = 'IAM User';
      },
      'spec.type has an invalid format',
    ],
  ])('rejects %s with a readable message', async (_, mutate, message) => {
    const entity = valid();
    mutate(entity);
    expect(explainNonHumanIdentityError(entity)).toBe(message);
    await expect(
      nonHumanIdentityEntityV1alpha1Validator.check(entity),
    ).rejects.toThrow(TypeError);
  });
});
