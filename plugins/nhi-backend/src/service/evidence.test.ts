import { NhiCampaign } from '@backstage-nhi/plugin-nhi-common';
import { inflateRawSync } from 'node:zlib';
import { crc32 } from '../lib/zip';
import { buildEvidence, csvCell } from './evidence';

/** The entries of a ZIP archive, read from its central directory. */
function unzip(archive: Buffer): Map<string, Buffer> {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    const localName = archive.readUInt16LE(local + 26);
    const start = local + 30 + localName + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(start, start + size);
    const data = method === 0 ? raw : inflateRawSync(raw);
    expect(crc32(data)).toBe(crc);
    files.set(name, Buffer.from(data));
    at += 46 + nameLength;
  }
  return files;
}

const campaign: NhiCampaign = {
  id: 'c1',
  seriesId: 'c1',
  sequence: 1,
  name: 'Q1',
  scope: [{ category: 'ai-agent' }],
  reviewerRule: 'leads',
  fallbackGroup: 'group:default/security',
  dueAt: '2027-01-18T09:00:00.000Z',
  reminderEveryDays: 7,
  dueSoonDays: 3,
  endAction: 'not-reviewed',
  status: 'closed',
  snapshotAt: '2027-01-04T09:00:00.000Z',
  createdBy: 'user:default/farah',
  createdAt: '2027-01-04T09:00:00.000Z',
  closedBy: 'user:default/farah',
  closedAt: '2027-01-19T09:00:00.000Z',
  overdue: false,
  counts: {
    total: 1,
    pending: 0,
    certify: 1,
    revoke: 0,
    reduce: 0,
    'not-reviewed': 0,
    remediationOpen: 0,
  },
};

describe('the evidence', () => {
  it('quotes CSV cells and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(undefined)).toBe('');
  });

  it('zips the files with a README and SHA256SUMS that match the manifest', () => {
    const files = buildEvidence({
      campaign,
      teams: [],
      items: [
        {
          id: 'i1',
          campaignId: 'c1',
          entityRef: 'nonhumanidentity:default/agent',
          title: 'Agent',
          type: 'autonomous-agent',
          category: 'ai-agent',
          provider: 'openai',
          externalId: 'agent-1',
          owner: 'group:default/ai',
          ownershipProvenance: 'claimed',
          ruleIds: [],
          reviewer: 'group:default/ai',
          reviewerKind: 'owner',
          escalation: 0,
          decision: 'certify',
          decidedBy: 'user:default/amir',
          decidedAt: '2027-01-05T10:00:00.000Z',
          decisionSeq: 1,
        },
      ],
      history: new Map(),
      generatedAt: new Date('2027-02-01T00:00:00Z'),
      generatedBy: 'user:default/auditor',
    });
    const zipped = unzip(files.get('evidence.zip')!.data);
    expect([...zipped.keys()]).toEqual([
      'README.txt',
      'campaign.json',
      'items.csv',
      'items.json',
      'manifest.json',
      'SHA256SUMS',
    ]);
    expect(zipped.get('items.csv')).toEqual(files.get('items.csv')!.data);
    const manifest = JSON.parse(zipped.get('manifest.json')!.toString());
    const sums = zipped.get('SHA256SUMS')!.toString();
    for (const f of manifest.files) {
      expect(sums).toContain(`${f.sha256}  ${f.name}\n`);
    }
    expect(zipped.get('README.txt')!.toString()).toContain('SOC 2 CC6.2');
    expect(files.get('items.csv')!.data.toString()).toContain(
      ',certify,user:default/amir,2027-01-05T10:00:00.000Z,',
    );
  });
});
