import fs from 'node:fs';
import path from 'node:path';
import { renderNhiRulesReference } from './reference';
import { NHI_RULES } from './rules';

describe('docs/rules.md', () => {
  it('is generated from the rule catalog (run `yarn docs:generate` after changing rules)', () => {
    const committed = fs.readFileSync(
      path.resolve(__dirname, '../../../../docs/rules.md'),
      'utf8',
    );
    expect(committed).toBe(renderNhiRulesReference());
  });

  it('documents every rule with its remediation', () => {
    const text = renderNhiRulesReference();
    for (const rule of NHI_RULES) {
      expect(text).toContain(`### ${rule.id}: ${rule.title}`);
      expect(text).toContain(rule.remediation);
    }
  });
});
