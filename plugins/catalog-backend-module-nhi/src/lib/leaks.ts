import { NhiLeak } from '@backstage-nhi/plugin-nhi-common';
import { createHash } from 'node:crypto';

/** The secret scanners whose JSON reports are understood. */
export type LeakReportFormat = 'gitleaks' | 'trufflehog';

const MIN_TOKEN = 8;

/**
 * An index of leaks by credential id. Keys are SHA-256 hashes of the tokens
 * found in each finding, so the index never holds a secret in clear text;
 * `leaksOf(id)` hashes the credential id to look it up. Only where a leak was
 * found (repository, file, line, commit, link) is kept.
 */
export class LeakIndex {
  private readonly byToken = new Map<string, NhiLeak[]>();
  count = 0;

  static empty(): LeakIndex {
    return new LeakIndex();
  }

  static merge(indexes: LeakIndex[]): LeakIndex {
    const merged = new LeakIndex();
    for (const index of indexes) {
      for (const [token, leaks] of index.byToken) {
        merged.byToken.set(token, [
          ...(merged.byToken.get(token) ?? []),
          ...leaks,
        ]);
      }
      merged.count += index.count;
    }
    return merged;
  }

  add(tokens: Iterable<string>, leak: NhiLeak) {
    this.count++;
    for (const token of tokens) {
      const key = hash(token);
      const list = this.byToken.get(key) ?? [];
      if (!list.some(l => sameLeak(l, leak))) list.push(leak);
      this.byToken.set(key, list);
    }
  }

  leaksOf = (credentialId: string): NhiLeak[] | undefined =>
    credentialId.length >= MIN_TOKEN
      ? this.byToken.get(hash(credentialId))
      : undefined;
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function sameLeak(a: NhiLeak, b: NhiLeak) {
  return (
    a.scanner === b.scanner &&
    a.file === b.file &&
    a.commit === b.commit &&
    a.line === b.line
  );
}

/**
 * Every token a credential id could be in a scanner's finding: the whole
 * value and its parts split on characters ids do not contain (an access key
 * id inside `aws_access_key_id = AKIA…`, a token id before its secret part).
 */
export function candidateTokens(values: Array<unknown>): Set<string> {
  const tokens = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || !value) continue;
    if (value.length >= MIN_TOKEN) tokens.add(value);
    for (const part of value.split(/[^A-Za-z0-9_\-.:/+=]+/)) {
      if (part.length >= MIN_TOKEN) tokens.add(part);
      for (const sub of part.split(/[:/=.]/)) {
        if (sub.length >= MIN_TOKEN) tokens.add(sub);
      }
    }
  }
  return tokens;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Parses JSON, a JSON array, or JSON lines (trufflehog's default output). */
function parseJsonRecords(text: string, location: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('[')) {
    const parsed = JSON.parse(trimmed);
    if (!Array.isArray(parsed))
      throw new Error(`${location}: expected a JSON array`);
    return parsed;
  }
  return trimmed
    .split('\n')
    .filter(line => line.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (e) {
        throw new Error(
          `${location}:${i + 1}: not valid JSON: ${(e as Error).message}`,
        );
      }
    });
}

/**
 * Reads a gitleaks (`gitleaks detect --report-format json`) or trufflehog
 * (`trufflehog … --json`) report into a leak index. The secret fields are
 * only hashed for matching; nothing of them is kept.
 */
export function parseLeakReport(
  text: string,
  format: LeakReportFormat,
  location: string,
): LeakIndex {
  const index = new LeakIndex();
  for (const raw of parseJsonRecords(text, location)) {
    const r = raw as Record<string, any>;
    if (format === 'gitleaks') {
      index.add(candidateTokens([r.Secret, r.Match]), {
        scanner: 'gitleaks',
        repository: str(r.Repository) ?? str(r.RepoURL),
        file: str(r.File),
        line: num(r.StartLine),
        commit: str(r.Commit),
        link: str(r.Link),
        date: str(r.Date),
      });
    } else {
      const git =
        r.SourceMetadata?.Data?.Git ?? r.SourceMetadata?.Data?.Github ?? {};
      index.add(candidateTokens([r.Raw, r.RawV2, r.Redacted]), {
        scanner: 'trufflehog',
        repository: str(git.repository),
        file: str(git.file),
        line: num(git.line),
        commit: str(git.commit),
        link: str(git.link),
        date: str(git.timestamp),
      });
    }
  }
  return index;
}

/**
 * Reads the configured scanner reports on every run. A report that cannot be
 * read keeps its last good index (so leak findings do not flap) and is
 * reported as a warning of the run.
 */
export class LeakReportReader {
  private readonly lastGood = new Map<string, LeakIndex>();

  constructor(
    private readonly reports: Array<{
      id: string;
      target: string;
      format: LeakReportFormat;
    }>,
    private readonly readText: (target: string) => Promise<string>,
  ) {}

  async read(): Promise<{
    index: LeakIndex;
    warnings: Array<{ message: string; location?: string }>;
  }> {
    const warnings: Array<{ message: string; location?: string }> = [];
    const indexes = await Promise.all(
      this.reports.map(async report => {
        try {
          const index = parseLeakReport(
            await this.readText(report.target),
            report.format,
            report.target,
          );
          this.lastGood.set(report.id, index);
          return index;
        } catch (e) {
          warnings.push({
            location: report.target,
            message: `leak report ${report.id} could not be read${
              this.lastGood.has(report.id) ? ', its last good copy is used' : ''
            }: ${(e as Error).message}`,
          });
          return this.lastGood.get(report.id) ?? LeakIndex.empty();
        }
      }),
    );
    return { index: LeakIndex.merge(indexes), warnings };
  }
}
