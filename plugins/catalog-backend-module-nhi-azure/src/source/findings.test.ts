/*
 * What the catalog's rules make of the identities this source reads: the
 * findings a cloud engineer would expect on the generated tenant's known
 * cases, and none on an identity in good order. Evaluation is nhi-common's,
 * as the pipeline runs it; ownership is stood in for (the pipeline resolves
 * owners against the catalog).
 */
import {
  evaluateNonHumanIdentity,
  NonHumanIdentitySpec,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiIdentityRecord } from '@backstage-nhi/plugin-nhi-node';
import { readSource } from '@backstage-nhi/plugin-nhi-node/testUtils';
import { ConfigReader } from '@backstage/config';
import { readAzureSourceConfig } from '../config';
import {
  generateEntraTenant,
  StaticTokenCredential,
  startGraphEndpoint,
} from '../testUtils';
import { AzureEntraSource } from './AzureEntraSource';

jest.setTimeout(60_000);

const NOW = new Date('2026-11-28T00:00:00Z');
let records: NhiIdentityRecord[] = [];

beforeAll(async () => {
  const model = generateEntraTenant({ identities: 400, now: NOW });
  const endpoint = await startGraphEndpoint({ model });
  try {
    ({ records } = await readSource(
      AzureEntraSource.fromConfig(
        readAzureSourceConfig(
          new ConfigReader({
            tenantId: model.tenantId,
            target: endpoint.url,
            managedIdentityOwnerPattern:
              '/resourcegroups/rg-(?<owner>[a-z0-9]+)-',
          }),
          'test',
        ),
        { credential: new StaticTokenCredential(), now: () => NOW },
      ),
    ));
  } finally {
    await endpoint.stop();
  }
});

/** The record as an entity spec, owned when the source named an owner. */
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
            status: 'owned',
            provenance: 'tagged',
            taggedBy: r.owner.via,
          },
        }
      : { ownership: { status: 'unowned', provenance: 'none' } }),
    usedBy: r.usedBy,
    environments: r.environments,
    createdBy: r.createdBy,
    lastUsed: r.lastUsed,
    credentials: r.credentials,
    permissions: r.permissions,
    federation: r.federation,
  };
}

const findings = (r: NhiIdentityRecord) =>
  evaluateNonHumanIdentity(specOf(r), { now: NOW }).findings;
const ruleIds = (r: NhiIdentityRecord) => findings(r).map(f => f.ruleId);
const named = (name: string) => records.find(r => r.name === name)!;

describe('findings on Azure identities', () => {
  it('a Global Administrator with a secret never rotated in over a year', () => {
    const f = findings(named('terraform-bootstrap'));
    expect(f.map(x => x.ruleId)).toEqual([
      'NHI-ADMIN',
      'NHI-CREDENTIAL-NOT-ROTATED',
    ]);
    expect(f[0]).toMatchObject({
      severity: 'critical',
      evidence: expect.stringContaining('Global Administrator'),
    });
    expect(f[1].evidence).toMatch(/never-rotated \(policy client-secret:90d/);
  });

  it('a Privileged Role Administrator owned by someone who left', () => {
    const ids = ruleIds(named('entra-provisioning'));
    expect(ids).toContain('NHI-ADMIN');
    // The owner's e-mail resolves to nobody in the catalog: the pipeline
    // records it as unresolved, and NHI-UNKNOWN-OWNER fires there.
    expect(named('entra-provisioning').owner?.value).toMatch(/jordan\.reyes/);
  });

  it('escalation paths: an application administrator, a custom role that writes credentials, User.ReadWrite.All', () => {
    for (const name of [
      'platform-automation',
      'release-manager',
      'hr-directory-sync',
    ]) {
      expect(ruleIds(named(name))).toContain('NHI-PRIVILEGE-ESCALATION');
    }
  });

  it('a secret valid until 2299 on an application reading every mailbox', () => {
    expect(ruleIds(named('support-mailbox-sync'))).toEqual([
      'NHI-AZURE-SECRET-LIFETIME',
      'NHI-DATA-EXFILTRATION',
    ]);
  });

  it("a vendor's application reading every mailbox, and a harmless vendor that is dormant", () => {
    expect(ruleIds(named('Contoso CRM Connector'))).toEqual([
      'NHI-AZURE-THIRD-PARTY-PRIVILEGED',
      'NHI-DATA-EXFILTRATION',
      'NHI-THIRD-PARTY-TRUST',
    ]);
    expect(ruleIds(named('Northwind Calendar Sync'))).toEqual([
      'NHI-DORMANT-IDENTITY',
      'NHI-THIRD-PARTY-TRUST',
    ]);
  });

  it('an application an AI agent registered, past the expiry it was given', () => {
    expect(ruleIds(named('agent-warehouse-backfill'))).toContain(
      'NHI-AGENT-CREATED-EXPIRED',
    );
  });

  it('a secret kept beside a GitHub Actions federated credential', () => {
    const both = records.filter(
      r =>
        r.federation?.length && r.credentials?.some(c => c.status === 'active'),
    );
    expect(both.length).toBeGreaterThan(0);
    for (const r of both) {
      expect(ruleIds(r)).toContain('NHI-AZURE-SECRET-BESIDE-FEDERATION');
    }
  });

  it('expired secrets are not findings of their own; a certificate about to expire is', () => {
    const expiredOnly = records.filter(
      r =>
        r.credentials?.length &&
        r.credentials.every(c => c.status === 'expired'),
    );
    expect(expiredOnly.length).toBeGreaterThan(0);
    for (const r of expiredOnly) {
      expect(ruleIds(r)).not.toContain('NHI-CREDENTIAL-NOT-ROTATED');
    }
    const expiring = records.filter(r =>
      r.credentials?.some(
        c =>
          c.kind === 'certificate' &&
          c.status === 'active' &&
          Date.parse(c.expiresAt!) - NOW.getTime() < 30 * 86_400_000,
      ),
    );
    expect(expiring.length).toBeGreaterThan(0);
    for (const r of expiring) {
      expect(ruleIds(r)).toContain('NHI-CERTIFICATE-EXPIRING');
    }
  });

  it('nothing on an owned identity in good order: a fresh secret in use, no powerful grant', () => {
    const good = records.filter(
      r =>
        r.owner &&
        r.lastUsed?.at &&
        NOW.getTime() - Date.parse(r.lastUsed.at) < 30 * 86_400_000 &&
        !r.permissions?.admin &&
        !r.permissions?.escalation &&
        !r.permissions?.dataExfiltration &&
        r.credentials?.length === 1 &&
        r.credentials[0].kind === 'client-secret' &&
        r.credentials[0].lastUsed?.at &&
        NOW.getTime() - Date.parse(r.credentials[0].createdAt!) <
          80 * 86_400_000,
    );
    expect(good.length).toBeGreaterThan(5);
    for (const r of good) expect(ruleIds(r)).toEqual([]);
  });

  it('nothing on a managed identity in use whose resource group names its team', () => {
    const used = records.filter(
      r =>
        r.type === 'azure-managed-identity' &&
        r.lastUsed?.at &&
        NOW.getTime() - Date.parse(r.lastUsed.at) < 30 * 86_400_000 &&
        !r.permissions?.dataExfiltration &&
        !r.permissions?.escalation,
    );
    expect(used.length).toBeGreaterThan(20);
    for (const r of used) {
      expect(r.owner?.via).toBe('resource id');
      expect(ruleIds(r)).toEqual([]);
    }
  });
});
