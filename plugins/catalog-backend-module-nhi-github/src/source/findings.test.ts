import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import {
  evaluateNonHumanIdentity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { readGithubSourceConfig } from '../config';
import {
  generateGithubOrganization,
  GithubEndpoint,
  startGithubEndpoint,
} from '../testUtils';
import { GithubSource } from './GithubSource';

const NOW = Date.parse('2026-12-01T00:00:00Z');

/**
 * The spec the pipeline would build of a record, owned as the source named
 * it (claims, declarations and people resolution are the pipeline's).
 */
function specOf(r: NhiIdentityRecord): NonHumanIdentitySpec {
  return {
    type: r.type,
    category: r.category,
    provider: r.provider,
    account: r.account,
    externalId: r.externalId,
    ...(r.owner
      ? {
          owner: `group:default/${r.owner.value}`,
          ownership: {
            status: 'owned' as const,
            provenance: 'tagged' as const,
            taggedBy: r.owner.via,
          },
        }
      : {
          ownership: {
            status: 'unowned' as const,
            provenance: 'none' as const,
          },
        }),
    usedBy: r.usedBy,
    environments: r.environments,
    createdBy: r.createdBy,
    expiresAt: r.expiresAt,
    lastUsed: r.lastUsed,
    credentials: r.credentials,
    permissions: r.permissions,
    federation: r.federation,
  };
}

describe('what the catalog finds in a GitHub organization', () => {
  let endpoint: GithubEndpoint;
  let findings: Map<string, string[]>;
  let evidence: Map<string, Map<string, string>>;

  beforeAll(async () => {
    endpoint = await startGithubEndpoint({
      model: generateGithubOrganization({ now: new Date(NOW) }),
    });
    const integrations = ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            {
              host: 'github.com',
              apiBaseUrl: endpoint.url,
              token: endpoint.token,
            },
          ],
        },
      }),
    );
    const source = GithubSource.fromConfig(
      readGithubSourceConfig(
        new ConfigReader({ organizations: ['lumen-freight'] }),
        'test',
      ),
      {
        apiBaseUrl: endpoint.url,
        credentialsProvider:
          DefaultGithubCredentialsProvider.fromIntegrations(integrations),
        graphqlMinTimeMs: 0,
      },
    );
    const { records } = await readSource(source);
    findings = new Map();
    evidence = new Map();
    for (const r of records) {
      const result = evaluateNonHumanIdentity(specOf(r), { now: NOW });
      findings.set(
        r.name,
        result.findings.map(f => f.ruleId),
      );
      evidence.set(
        r.name,
        new Map(result.findings.map(f => [f.ruleId, f.evidence])),
      );
    }
  });
  afterAll(() => endpoint.stop());

  it('flags the write deploy key nobody used for 200 days, and not the key used yesterday', () => {
    expect(findings.get('ci-runner/runner-release-push')).toEqual(
      expect.arrayContaining([
        'NHI-GITHUB-DORMANT-WRITE-DEPLOY-KEY',
        'NHI-DORMANT-CREDENTIAL',
        'NHI-PRIVILEGE-ESCALATION',
        'NHI-CREDENTIAL-NOT-ROTATED',
      ]),
    );
    expect(
      evidence
        .get('ci-runner/runner-release-push')!
        .get('NHI-GITHUB-DORMANT-WRITE-DEPLOY-KEY'),
    ).toMatch(/last used 2026-05-15 \(dormant after 90 days\)$/);
    expect(
      findings.get('terraform-pipeline/terraform-state-push'),
    ).not.toContain('NHI-GITHUB-DORMANT-WRITE-DEPLOY-KEY');
    expect(findings.get('payments-api/backup-mirror')).toContain(
      'NHI-NEVER-USED-CREDENTIAL',
    );
  });

  it('flags apps by what they may do and who owns them', () => {
    expect(findings.get('renovate')).toEqual(
      expect.arrayContaining([
        'NHI-GITHUB-THIRD-PARTY-APP-WRITES-EVERYWHERE',
        'NHI-SERVICE-WILDCARD',
        'NHI-PRIVILEGE-ESCALATION',
        'NHI-THIRD-PARTY-TRUST',
      ]),
    );
    expect(findings.get('legacy-ci-bridge')).toContain('NHI-ADMIN');
    expect(findings.get('backstage-nhi')).not.toContain('NHI-ADMIN');
    expect(findings.get('backstage-nhi')).not.toContain(
      'NHI-GITHUB-THIRD-PARTY-APP-WRITES-EVERYWHERE',
    );
    expect(findings.get('slack')).not.toContain('NHI-SERVICE-WILDCARD');
  });

  it('flags tokens without expiry or living beyond policy, and personal tokens', () => {
    expect(findings.get('wei-zhang/reporting-export')).toEqual(
      expect.arrayContaining([
        'NHI-NO-EXPIRY',
        'NHI-DORMANT-IDENTITY',
        'NHI-PERSONAL-TOKEN',
      ]),
    );
    expect(findings.get('jade-thompson/migration-helper')).toContain(
      'NHI-GITHUB-TOKEN-LIFETIME-BEYOND-POLICY',
    );
    expect(findings.get('alice-nakamura/deploy-script')).not.toContain(
      'NHI-GITHUB-TOKEN-LIFETIME-BEYOND-POLICY',
    );
    expect(findings.get('alice-nakamura/deploy-script')).not.toContain(
      'NHI-NO-EXPIRY',
    );
    expect(findings.get('omar-haddad/org-admin-tool')).toContain('NHI-ADMIN');
  });

  it('flags secrets by age, reach and what they hold', () => {
    expect(findings.get('lumen-freight/NPM_TOKEN')).toEqual(
      expect.arrayContaining([
        'NHI-GITHUB-SECRET-FOR-EVERY-REPOSITORY',
        'NHI-CREDENTIAL-NOT-ROTATED',
      ]),
    );
    expect(findings.get('lumen-freight/SONAR_TOKEN')).not.toContain(
      'NHI-CREDENTIAL-NOT-ROTATED',
    );
    expect(findings.get('lumen-freight/AWS_ACCESS_KEY_ID')).toContain(
      'NHI-GITHUB-CLOUD-KEY-IN-ACTIONS',
    );
    expect(findings.get('lumen-freight/SLACK_WEBHOOK_URL')).toEqual(
      expect.arrayContaining(['NHI-SHARED-IDENTITY']),
    );
    expect(findings.get('lumen-freight/SLACK_WEBHOOK_URL')).not.toContain(
      'NHI-GITHUB-SECRET-FOR-EVERY-REPOSITORY',
    );
  });

  it('holds nothing against the organization’s OIDC but its missing owner', () => {
    expect(findings.get('lumen-freight/actions-oidc')).toEqual([
      'NHI-NO-OWNER',
    ]);
  });
});
