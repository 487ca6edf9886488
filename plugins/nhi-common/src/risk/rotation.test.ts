import { NhiCredential } from '../kind/types';
import { DEFAULT_NHI_EVALUATION_POLICY } from './policy';
import { DAY } from '../time';
import {
  credentialRotation,
  isPastRotation,
  NHI_PAST_ROTATION_STATUSES,
  worstRotation,
} from './rotation';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * DAY).toISOString();
const inDays = (d: number) => new Date(NOW + d * DAY).toISOString();
const policy = DEFAULT_NHI_EVALUATION_POLICY;
const service = { category: 'service-account' as const, type: 'iam-user' };

const rotation = (
  c: Omit<NhiCredential, 'rotation' | 'status'> & {
    status?: NhiCredential['status'];
  },
  identity: { category: any; type: string } = service,
) => credentialRotation({ status: 'active', ...c }, identity, policy, NOW);

describe('credentialRotation', () => {
  it.each<[string, Parameters<typeof rotation>[0], object, string]>([
    [
      'a fresh access key',
      { id: 'k', kind: 'access-key', createdAt: daysAgo(10) },
      service,
      'ok',
    ],
    [
      'an access key due within 14 days',
      { id: 'k', kind: 'access-key', createdAt: daysAgo(80) },
      service,
      'due-soon',
    ],
    [
      'an access key never rotated in 200 days',
      { id: 'k', kind: 'access-key', createdAt: daysAgo(200) },
      service,
      'never-rotated',
    ],
    [
      'an access key rotated 100 days ago',
      {
        id: 'k',
        kind: 'access-key',
        createdAt: daysAgo(400),
        lastRotatedAt: daysAgo(100),
      },
      service,
      'overdue',
    ],
    [
      'a service-account password of 70 days',
      {
        id: 'p',
        kind: 'password',
        createdAt: daysAgo(400),
        lastRotatedAt: daysAgo(70),
      },
      service,
      'overdue',
    ],
    [
      'a service-account password of 50 days',
      { id: 'p', kind: 'password', createdAt: daysAgo(50) },
      service,
      'ok',
    ],
    [
      'an AI-agent token of 2 days',
      { id: 't', kind: 'token', createdAt: daysAgo(2) },
      { category: 'ai-agent', type: 'autonomous-agent' },
      'never-rotated',
    ],
    [
      'an AI-agent token living 12 hours',
      {
        id: 't',
        kind: 'token',
        createdAt: daysAgo(0.25),
        expiresAt: inDays(0.25),
      },
      { category: 'ai-agent', type: 'autonomous-agent' },
      'ok',
    ],
    [
      'a certificate valid for a year',
      {
        id: 'c',
        kind: 'certificate',
        createdAt: daysAgo(100),
        expiresAt: inDays(265),
      },
      { category: 'machine-certificate', type: 'tls-certificate' },
      'ok',
    ],
    [
      'a certificate expiring in 20 days',
      {
        id: 'c',
        kind: 'certificate',
        createdAt: daysAgo(345),
        expiresAt: inDays(20),
      },
      { category: 'machine-certificate', type: 'tls-certificate' },
      'due-soon',
    ],
    [
      'an expired certificate',
      {
        id: 'c',
        kind: 'certificate',
        createdAt: daysAgo(400),
        expiresAt: daysAgo(35),
      },
      { category: 'machine-certificate', type: 'tls-certificate' },
      'expired',
    ],
    [
      'a certificate without expiry',
      { id: 'c', kind: 'certificate', createdAt: daysAgo(10) },
      { category: 'machine-certificate', type: 'tls-certificate' },
      'no-expiry',
    ],
    [
      'an inactive key',
      {
        id: 'k',
        kind: 'access-key',
        createdAt: daysAgo(900),
        status: 'inactive',
      },
      service,
      'inactive',
    ],
    [
      'a token that expires within its 90 days',
      { id: 't', kind: 'token', createdAt: daysAgo(60), expiresAt: inDays(30) },
      { category: 'api-key', type: 'cicd-token' },
      'ok',
    ],
  ])('%s is %s', (_, credential, identity, status) => {
    expect(rotation(credential, identity as any).status).toBe(status);
  });

  it('names the policy and the due date', () => {
    expect(
      rotation({
        id: 'k',
        kind: 'access-key',
        createdAt: '2026-06-01T00:00:00Z',
      }),
    ).toEqual({
      status: 'never-rotated',
      policy: 'access-key:90d',
      dueAt: '2026-08-30',
    });
  });
});

describe('worstRotation', () => {
  it('takes the worst active status', () => {
    expect(
      worstRotation([
        { rotation: { status: 'ok' } },
        { rotation: { status: 'overdue' } },
        { rotation: { status: 'due-soon' } },
      ]),
    ).toBe('overdue');
    expect(worstRotation([{ rotation: { status: 'inactive' } }])).toBe(
      'not-applicable',
    );
    expect(worstRotation([])).toBe('not-applicable');
  });
});

describe('isPastRotation', () => {
  it('is overdue, never rotated or expired, for a credential or an identity', () => {
    expect(NHI_PAST_ROTATION_STATUSES).toEqual([
      'overdue',
      'never-rotated',
      'expired',
    ]);
    for (const s of ['overdue', 'never-rotated', 'expired']) {
      expect(isPastRotation(s)).toBe(true);
    }
    for (const s of [
      'ok',
      'due-soon',
      'no-expiry',
      'inactive',
      'not-applicable',
      undefined,
    ]) {
      expect(isPastRotation(s)).toBe(false);
    }
  });
});
