import {
  NhiCampaign,
  NhiCampaignExportFile,
  NhiCampaignItem,
  NhiCampaignTeamProgress,
} from '@backstage-nhi/plugin-nhi-common';
import { createHash } from 'node:crypto';
import { DecisionRecord } from '../database/CampaignsStore';
import { zip } from '../lib/zip';

/** One file of the evidence, as it is downloaded. */
export interface EvidenceFile {
  name: NhiCampaignExportFile;
  contentType: string;
  data: Buffer;
}

type Item = Omit<NhiCampaignItem, 'reviewers' | 'review'>;

/** The columns of items.csv, in order, with how each is read from an item. */
const CSV_COLUMNS: Array<[string, (item: Item) => unknown]> = [
  ['campaign_id', i => i.campaignId],
  ['item_id', i => i.id],
  ['identity', i => i.entityRef],
  ['title', i => i.title],
  ['type', i => i.type],
  ['category', i => i.category],
  ['provider', i => i.provider],
  ['account', i => i.account],
  ['external_id', i => i.externalId],
  ['owner_at_snapshot', i => i.owner ?? 'unowned'],
  ['ownership_provenance', i => i.ownershipProvenance],
  ['risk_level_at_snapshot', i => i.riskLevel],
  ['risk_score_at_snapshot', i => i.riskScore],
  ['findings_at_snapshot', i => i.ruleIds.join(' ')],
  ['rotation_at_snapshot', i => i.rotationStatus],
  ['reviewer', i => i.reviewer],
  ['reviewer_kind', i => i.reviewerKind],
  ['escalation', i => i.escalation],
  ['decision', i => i.decision ?? 'pending'],
  ['decided_by', i => i.decidedBy],
  ['decided_at', i => i.decidedAt],
  ['note', i => i.note],
  ['decisions_made', i => i.decisionSeq],
  ['delegated_from', i => i.delegation?.from],
  ['delegated_by', i => i.delegation?.by],
  ['delegated_at', i => i.delegation?.at],
  ['delegation_reason', i => i.delegation?.reason],
  ['remediation', i => i.remediation?.action],
  ['remediation_state', i => i.remediation?.status],
  ['remediation_opened_at', i => i.remediation?.openedAt],
  ['remediation_done_at', i => i.remediation?.doneAt],
  ['remediation_evidence', i => i.remediation?.evidence],
];

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line
 * break. Text a spreadsheet would run as a formula (starting with =, +, -,
 * @, a tab or a carriage return) is prefixed with an apostrophe; items.json
 * keeps every text exactly as entered.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const sha256 = (data: Buffer) =>
  createHash('sha256').update(data).digest('hex');

const README = (
  campaign: NhiCampaign,
  final: boolean,
) => `Evidence of an access review of non-human identities
=====================================================

Campaign: ${campaign.name} (${campaign.id})
${
  final
    ? `Closed ${campaign.closedAt} by ${campaign.closedBy}: every decision in it is final.`
    : `Still active: this is the state as of the manifest's generatedAt; decisions may change until it closes.`
}

Files
-----
campaign.json   The campaign: who started it and when, its scope (the inventory
                filters; an identity matching any filter set was in scope),
                when the scope was frozen (snapshotAt) and anything the
                inventory could not answer then (snapshotNote), the reviewer
                rule, fallback group, due date, reminders, end action, who
                closed it, and the counts per outcome and per owner team.
items.csv       One row per identity frozen in scope: the identity, its owner,
                risk, findings and rotation when the scope was frozen, who
                reviewed it, the decision (certify, revoke, reduce,
                not-reviewed or pending), who decided and when, the note, any
                delegation with its reason, and the remediation state (open
                until the identity's source shows the change).
items.json      The same items, with the history of every decision made on
                each (a changed decision keeps the one it replaced).
manifest.json   The SHA-256 of each file above, with when and by whom this
                evidence was generated.
SHA256SUMS      The same hashes for \`sha256sum -c SHA256SUMS\`.

In items.csv a cell that starts with =, +, -, @, a tab or a carriage return is
prefixed with an apostrophe so that spreadsheet programs show it rather than
run it; items.json holds every text exactly as entered.

Controls
--------
SOC 2 CC6.2 and CC6.3 (access is authorized, reviewed and removed when no
longer needed) and ISO/IEC 27001:2022 A.5.18 (access rights are reviewed at
planned intervals): the scope and snapshot show which machine identities were
reviewed and as they were; each row shows the accountable reviewer, the
decision with its time and reason, and for revocations and reductions whether
the change has reached the source. See the nhi-backend README, "Evidence for
auditors".
`;

/**
 * The evidence of a campaign: campaign.json, items.csv, items.json,
 * manifest.json (SHA-256 of each), SHA256SUMS, and evidence.zip holding
 * them all with a README. The campaign's and items' files depend only on
 * the campaign, so a closed campaign's files are the same bytes at every
 * download; only the manifest says when it was generated.
 */
export function buildEvidence(input: {
  campaign: NhiCampaign;
  teams: NhiCampaignTeamProgress[];
  items: Item[];
  history: Map<string, DecisionRecord[]>;
  generatedAt: Date;
  generatedBy: string;
}): Map<NhiCampaignExportFile, EvidenceFile> {
  const { campaign, teams, items, history } = input;
  const final = campaign.status === 'closed';
  const { counts, overdue: _overdue, ...settings } = campaign;
  const campaignJson = Buffer.from(
    `${JSON.stringify(
      {
        evidence: 'Access review of non-human identities (Backstage NHI)',
        final,
        campaign: settings,
        counts,
        teams: teams.map(t => ({ owner: t.owner ?? 'unowned', ...t.counts })),
      },
      null,
      2,
    )}\n`,
    'utf8',
  );
  const csv = [
    CSV_COLUMNS.map(([name]) => name).join(','),
    ...items.map(item =>
      CSV_COLUMNS.map(([, read]) => csvCell(read(item))).join(','),
    ),
  ].join('\r\n');
  const itemsCsv = Buffer.from(`${csv}\r\n`, 'utf8');
  const itemsJson = Buffer.from(
    `${JSON.stringify(
      items.map(item => ({
        ...item,
        history: (history.get(item.id) ?? []).map(({ itemId: _id, ...d }) => d),
      })),
      null,
      2,
    )}\n`,
    'utf8',
  );
  const hashed = [
    { name: 'campaign.json', data: campaignJson },
    { name: 'items.csv', data: itemsCsv },
    { name: 'items.json', data: itemsJson },
  ];
  const manifest = Buffer.from(
    `${JSON.stringify(
      {
        campaignId: campaign.id,
        campaignName: campaign.name,
        status: campaign.status,
        final,
        generatedAt: input.generatedAt.toISOString(),
        generatedBy: input.generatedBy,
        algorithm: 'SHA-256',
        files: hashed.map(f => ({
          name: f.name,
          bytes: f.data.length,
          sha256: sha256(f.data),
        })),
      },
      null,
      2,
    )}\n`,
    'utf8',
  );
  const sums = Buffer.from(
    hashed.map(f => `${sha256(f.data)}  ${f.name}\n`).join(''),
    'utf8',
  );
  const archive = zip(
    [
      { name: 'README.txt', data: Buffer.from(README(campaign, final)) },
      ...hashed,
      { name: 'manifest.json', data: manifest },
      { name: 'SHA256SUMS', data: sums },
    ],
    input.generatedAt,
  );
  const json = 'application/json; charset=utf-8';
  return new Map<NhiCampaignExportFile, EvidenceFile>([
    [
      'campaign.json',
      { name: 'campaign.json', contentType: json, data: campaignJson },
    ],
    [
      'items.csv',
      {
        name: 'items.csv',
        contentType: 'text/csv; charset=utf-8',
        data: itemsCsv,
      },
    ],
    ['items.json', { name: 'items.json', contentType: json, data: itemsJson }],
    [
      'manifest.json',
      { name: 'manifest.json', contentType: json, data: manifest },
    ],
    [
      'evidence.zip',
      { name: 'evidence.zip', contentType: 'application/zip', data: archive },
    ],
  ]);
}
