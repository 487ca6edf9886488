import { LeakIndex, LeakReportReader, parseLeakReport } from './leaks';

const gitleaks = JSON.stringify([
  {
    Description: 'AWS Access Key',
    StartLine: 12,
    Match: 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
    Secret: 'AKIAIOSFODNN7EXAMPLE',
    File: 'deploy/prod.env',
    Commit: '0123456789abcdef0123',
    Link: 'https://git.example/lumen/app/commit/0123',
    RuleID: 'aws-access-token',
  },
  {
    Description: 'Generic API Key',
    StartLine: 3,
    Match: 'DD_API_KEY=dd-key-7d1e.secretpartthatisverylong',
    Secret: 'dd-key-7d1e.secretpartthatisverylong',
    File: 'docker-compose.yml',
    Commit: 'feedfacefeedface',
    RuleID: 'generic-api-key',
  },
]);

const trufflehog = [
  JSON.stringify({
    SourceMetadata: {
      Data: {
        Git: {
          commit: 'abcdef1234567890',
          file: 'scripts/sync.py',
          line: 40,
          repository: 'https://git.example/lumen/data',
        },
      },
    },
    DetectorName: 'AWS',
    Raw: 'AKIAI44QH8DHBEXAMPLE',
    RawV2: 'AKIAI44QH8DHBEXAMPLEwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    Redacted: 'AKIAI44QH8DHBEXAMPLE',
  }),
  '',
].join('\n');

describe('parseLeakReport', () => {
  it('indexes gitleaks findings by the credential ids in them, keeping only where', () => {
    const index = parseLeakReport(gitleaks, 'gitleaks', 'gitleaks.json');
    expect(index.count).toBe(2);
    expect(index.leaksOf('AKIAIOSFODNN7EXAMPLE')).toEqual([
      {
        scanner: 'gitleaks',
        file: 'deploy/prod.env',
        line: 12,
        commit: '0123456789abcdef0123',
        link: 'https://git.example/lumen/app/commit/0123',
        repository: undefined,
        date: undefined,
      },
    ]);
    // a token id before its secret part
    expect(index.leaksOf('dd-key-7d1e')).toHaveLength(1);
    expect(index.leaksOf('AKIAOTHEROTHEROTHER0')).toBeUndefined();
    expect(index.leaksOf('short')).toBeUndefined();
  });

  it('reads trufflehog JSON lines', () => {
    const index = parseLeakReport(trufflehog, 'trufflehog', 'th.jsonl');
    expect(index.leaksOf('AKIAI44QH8DHBEXAMPLE')).toEqual([
      expect.objectContaining({
        scanner: 'trufflehog',
        file: 'scripts/sync.py',
        line: 40,
        commit: 'abcdef1234567890',
        repository: 'https://git.example/lumen/data',
      }),
    ]);
  });

  it('never keeps a secret in clear text', () => {
    const index = parseLeakReport(`${gitleaks}\n`, 'gitleaks', 'g.json');
    const dump = JSON.stringify([...(index as any).byToken.entries()]);
    expect(dump).not.toContain('secretpartthatisverylong');
    expect(dump).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(dump).not.toContain('wJalrXUtnFEMI');
  });

  it('names the line of a broken JSON line', () => {
    expect(() =>
      parseLeakReport('{"a":1}\n{oops', 'trufflehog', 'th.jsonl'),
    ).toThrow(/^th\.jsonl:2: not valid JSON/);
  });
});

describe('LeakReportReader', () => {
  it('keeps the last good copy of a report that cannot be read, with a warning', async () => {
    let text: string | Error = gitleaks;
    const reader = new LeakReportReader(
      [{ id: 'repo', target: 'gitleaks.json', format: 'gitleaks' }],
      async () => {
        if (text instanceof Error) throw text;
        return text;
      },
    );
    const first = await reader.read();
    expect(first.warnings).toEqual([]);
    expect(first.index.leaksOf('AKIAIOSFODNN7EXAMPLE')).toHaveLength(1);
    text = new Error('ENOENT');
    const second = await reader.read();
    expect(second.index.leaksOf('AKIAIOSFODNN7EXAMPLE')).toHaveLength(1);
    expect(second.warnings).toEqual([
      {
        location: 'gitleaks.json',
        message:
          'leak report repo could not be read, its last good copy is used: ENOENT',
      },
    ]);
    expect(LeakIndex.empty().leaksOf('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
  });
});
