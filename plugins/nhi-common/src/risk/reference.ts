import { DEFAULT_NHI_EVALUATION_POLICY } from './policy';
import { NHI_RULES, OWASP_NHI_TOP_10 } from './rules';

/**
 * The rules reference as Markdown, generated from the rule catalog and the
 * default policy so that the documentation cannot drift from the code.
 *
 * @public
 */
export function renderNhiRulesReference(): string {
  const p = DEFAULT_NHI_EVALUATION_POLICY;
  const lines: string[] = [
    '# Risk rules reference',
    '',
    '<!-- Generated from plugins/nhi-common/src/risk/rules.ts by `yarn docs:generate`; do not edit by hand. -->',
    '',
    `Backstage NHI evaluates every identity against ${NHI_RULES.length} rules. Each finding carries`,
    'the rule id, its severity, the OWASP Non-Human Identities Top 10 (2025) risk it maps to, the',
    'evidence (which credential, which policy, which date) and what to do. The risk level of an',
    'identity is its worst open finding; the score is 100 × (1 − Π(1 − w)) over its open findings',
    'with w = 0.6 (critical), 0.35 (high), 0.15 (medium), 0.05 (low). Accepted risks stay listed but',
    'do not count until their exception expires.',
    '',
    'Disable a rule or change its severity in `app-config.yaml`:',
    '',
    '```yaml',
    'nhi:',
    '  evaluation:',
    '    rules:',
    '      NHI-SHARED-IDENTITY: { enabled: false }',
    '      NHI-NO-OWNER: { severity: critical }',
    '```',
    '',
    '## By OWASP NHI Top 10 risk',
    '',
    '| OWASP | risk | rules |',
    '| --- | --- | --- |',
  ];
  for (const [id, title] of Object.entries(OWASP_NHI_TOP_10)) {
    const ids = NHI_RULES.filter(r => r.owasp === id).map(r => `\`${r.id}\``);
    lines.push(`| ${id} | ${title} | ${ids.join(', ')} |`);
  }
  lines.push('', '## Rules', '');
  for (const r of NHI_RULES) {
    lines.push(
      `### ${r.id}: ${r.title}`,
      '',
      `- **Severity:** ${r.severity}`,
      `- **OWASP:** ${r.owasp} ${OWASP_NHI_TOP_10[r.owasp] ?? ''}`.trimEnd(),
      `- **What it means:** ${r.description}`,
      `- **What to do:** ${r.remediation}`,
      '',
    );
  }
  lines.push(
    '## Thresholds (defaults)',
    '',
    '| setting | default | meaning |',
    '| --- | --- | --- |',
    `| \`dormantDays\` | ${p.dormantDays} | no use for this many days is dormant |`,
    `| \`neverUsedGraceDays\` | ${p.neverUsedGraceDays} | a never-used credential older than this is a finding |`,
    `| \`maxServicesPerIdentity\` | ${p.maxServicesPerIdentity} | more services sharing one identity is a finding |`,
    `| \`productionEnvironments\` | ${p.productionEnvironments.join(
      ', ',
    )} | environments that count as production |`,
    `| \`ciPatterns\` | ${p.ciPatterns.join(
      ', ',
    )} | words marking a component as CI/CD |`,
    '',
    '## Rotation policies (defaults)',
    '',
    'The first policy that matches a credential applies; configured policies come first.',
    'Statuses: `ok`, `due-soon`, `overdue`, `never-rotated`, `expired`, `no-expiry`, `inactive`.',
    '',
    '| policy | credentials | rule | due soon |',
    '| --- | --- | --- | --- |',
  );
  for (const r of p.rotation) {
    const match = Object.entries(r.match)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const rule = r.byExpiry
      ? 'by expiry'
      : `at most ${
          r.maxAgeDays! < 1 || r.maxAgeDays === 1
            ? `${r.maxAgeDays! * 24} hours`
            : `${r.maxAgeDays} days`
        } old`;
    lines.push(
      `| \`${r.name}\` | ${match} | ${rule} | ${r.dueSoonDays} days before |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
