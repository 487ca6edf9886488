import { lintSource } from '@secretlint/core';
import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import type {
  SecretLintCoreConfig,
  SecretLintCoreResultMessage,
  SecretLintRuleCreator,
} from '@secretlint/types';

/** What replaces a secret in any text the pipeline keeps. */
export const REDACTED = '[redacted]';

/** A text with its secrets replaced, and what kinds of secret were found. */
export interface RedactedText {
  text: string;
  /** Kinds of secret found, e.g. `GitHub token`; empty when none. */
  kinds: string[];
}

const AWS_KEY_PAIR = 'nhi-aws-key-pair';

/**
 * secretlint's AWS rule finds a secret access key only behind its label
 * (`aws_secret_access_key = …`); a key pair pasted as AWS hands it out — the
 * key id, then the 40-character secret, as in the credentials CSV — is just
 * as common in descriptions and tickets. This rule reports that secret.
 */
const awsKeyPairRule: SecretLintRuleCreator = {
  messages: {
    AWSKeyPair: { en: () => 'found an AWS secret access key next to its id' },
  },
  meta: {
    id: AWS_KEY_PAIR,
    type: 'scanner',
    recommended: true,
    supportedContentTypes: ['text'],
  },
  create(context) {
    const t = context.createTranslator(awsKeyPairRule.messages);
    const pattern =
      /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b[\s,;:|/"'=()-]{1,12}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/g;
    return {
      file(source) {
        for (const match of source.content.matchAll(pattern)) {
          const secret = match[1];
          const start = (match.index ?? 0) + match[0].length - secret.length;
          context.report({
            message: t('AWSKeyPair'),
            range: [start, start + secret.length],
            data: { KEY: secret },
          });
        }
      },
    };
  },
};

const PEM_PRIVATE_KEY = 'nhi-pem-private-key';

/**
 * secretlint's private-key rule recognises a key by the first bytes of its
 * encoding, which misses short keys (a P-256 EC key starts `MHc`, not `MI`)
 * and cut-off ones. Any PEM private-key block is a secret here: from its
 * BEGIN line to its END line, or to the end of the text when it has none.
 */
const pemPrivateKeyRule: SecretLintRuleCreator = {
  messages: { PEMPrivateKey: { en: () => 'found a PEM private key' } },
  meta: {
    id: PEM_PRIVATE_KEY,
    type: 'scanner',
    recommended: true,
    supportedContentTypes: ['text'],
  },
  create(context) {
    const t = context.createTranslator(pemPrivateKeyRule.messages);
    // stops at the separator between texts (a NUL), or at the end
    const pattern =
      // eslint-disable-next-line no-control-regex
      /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[^\u0000]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|(?=\n\u0000)|$)/g;
    return {
      file(source) {
        for (const match of source.content.matchAll(pattern)) {
          const start = match.index ?? 0;
          context.report({
            message: t('PEMPrivateKey'),
            range: [start, start + match[0].length],
          });
        }
      },
    };
  },
};

const FILTER_COMMENTS = '@secretlint/secretlint-rule-filter-comments';

const CONFIG: SecretLintCoreConfig = {
  rules: [
    // The recommended preset's rules one by one, leaving out the filter
    // that obeys `secretlint-disable` comments: a description must not be
    // able to switch detection off. (A preset ignores `disabled` on its
    // own rules, so the rules are listed rather than the preset.)
    ...recommendedRules
      .filter(rule => rule.meta.id !== FILTER_COMMENTS)
      .map(rule => ({ id: rule.meta.id, rule: rule as SecretLintRuleCreator })),
    { id: AWS_KEY_PAIR, rule: awsKeyPairRule },
    { id: PEM_PRIVATE_KEY, rule: pemPrivateKeyRule },
  ],
};

const KINDS: Record<string, string> = {
  aws: 'AWS secret access key',
  [AWS_KEY_PAIR]: 'AWS secret access key',
  github: 'GitHub token',
  gitlab: 'GitLab token',
  slack: 'Slack token',
  privatekey: 'private key',
  [PEM_PRIVATE_KEY]: 'private key',
  basicauth: 'password in a URL',
  'database-connection-string': 'database password',
  npm: 'npm token',
  gcp: 'GCP service account key',
  openai: 'OpenAI API key',
  anthropic: 'Anthropic API key',
  'hashicorp-vault': 'Vault token',
};

function kindOf(ruleId: string): string {
  const short = ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
  return KINDS[short] ?? `${short} secret`;
}

/**
 * Texts are scanned together, joined by a separator no rule matches across
 * (secretlint's patterns stop at whitespace and control characters), so a
 * batch of records costs one pass instead of one per field.
 */
const SEPARATOR = '\n\u0000\n';
/** Characters per secretlint pass: bounds the memory of one scan. */
const MAX_CONTENT = 1_000_000;

type Span = { start: number; end: number; kind: string };

/**
 * Finds and redacts secrets (API keys, tokens, private keys, passwords in
 * URLs, …) in free text, with secretlint's maintained recommended rule set
 * (`@secretlint/secretlint-rule-preset-recommend`) plus two rules for what
 * it misses: AWS key pairs and any PEM private-key block. The pipeline runs every text an identity carries through it before
 * anything is stored or logged.
 */
export class NhiSecretScanner {
  /**
   * Each text with every secret found replaced by `[redacted]`. Where a rule
   * names the secret, every occurrence of it in the batch is replaced.
   */
  async redact(texts: readonly string[]): Promise<RedactedText[]> {
    const out: RedactedText[] = [];
    let start = 0;
    while (start < texts.length) {
      let end = start;
      let size = 0;
      do {
        size += texts[end].length + SEPARATOR.length;
        end++;
      } while (end < texts.length && size < MAX_CONTENT);
      out.push(...(await this.redactChunk(texts.slice(start, end))));
      start = end;
    }
    return out;
  }

  private async redactChunk(texts: string[]): Promise<RedactedText[]> {
    const content = texts.join(SEPARATOR);
    const result = await lintSource({
      source: {
        content,
        filePath: '/nhi-identity-metadata.txt',
        ext: '.txt',
        contentType: 'text',
      },
      options: { config: CONFIG, maskSecrets: false },
    });
    if (!result.messages.length)
      return texts.map(text => ({ text, kinds: [] }));

    const spans: Span[] = [];
    for (const message of result.messages) {
      spans.push(...spansOf(message, content));
    }
    const offsets: number[] = [];
    let offset = 0;
    for (const text of texts) {
      offsets.push(offset);
      offset += text.length + SEPARATOR.length;
    }
    return texts.map((text, i) => {
      const from = offsets[i];
      const to = from + text.length;
      const mine = spans
        .filter(s => s.start < to && s.end > from)
        .map(s => ({
          start: Math.max(s.start, from) - from,
          end: Math.min(s.end, to) - from,
          kind: s.kind,
        }))
        .sort((a, b) => a.start - b.start);
      if (!mine.length) return { text, kinds: [] };
      const merged: Array<{ start: number; end: number }> = [];
      for (const span of mine) {
        const last = merged[merged.length - 1];
        if (last && span.start <= last.end)
          last.end = Math.max(last.end, span.end);
        else merged.push({ start: span.start, end: span.end });
      }
      let redacted = '';
      let at = 0;
      for (const span of merged) {
        redacted += text.slice(at, span.start) + REDACTED;
        at = span.end;
      }
      redacted += text.slice(at);
      return { text: redacted, kinds: [...new Set(mine.map(s => s.kind))] };
    });
  }
}

/**
 * Where one secretlint report's secret is in the content. A rule's `data`
 * names the secret it found; its occurrences overlapping the reported range
 * are the secret, and so is every other occurrence of the same value (the
 * same key pasted twice). The range alone is used when no value matches:
 * some rules report a range that starts at the secret's label, not at the
 * secret.
 */
function spansOf(
  message: SecretLintCoreResultMessage,
  content: string,
): Span[] {
  const kind = kindOf(message.ruleId);
  const [start, end] = message.range;
  const values = Object.values(
    (message as { data?: Record<string, unknown> }).data ?? {},
  ).filter((v): v is string => typeof v === 'string' && v.length >= 8);
  const spans: Span[] = [];
  for (const value of values) {
    const found: Span[] = [];
    let overlaps = false;
    for (
      let i = content.indexOf(value);
      i >= 0;
      i = content.indexOf(value, i + 1)
    ) {
      found.push({ start: i, end: i + value.length, kind });
      if (i < Math.max(end, start + value.length) && i + value.length > start) {
        overlaps = true;
      }
    }
    if (overlaps) spans.push(...found);
  }
  return spans.length ? spans : [{ start, end, kind }];
}
