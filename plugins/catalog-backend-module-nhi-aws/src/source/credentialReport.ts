import { parse } from 'csv-parse/sync';

/**
 * The columns of the IAM credential report, in AWS's order.
 *
 * @public
 */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** The user name AWS gives the root user's row. */
export const ROOT_ACCOUNT_ROW = '<root_account>';

/** One access key slot (1 or 2) of a report row. */
export interface ReportKeySlot {
  slot: 1 | 2;
  active: boolean;
  /** When the key was created or last rotated; AWS's key creation date. */
  lastRotated: string;
  lastUsed?: { at: string; region?: string; service?: string };
}

/** One row of the credential report, with AWS's placeholders removed. */
export interface CredentialReportRow {
  user: string;
  arn: string;
  userCreationTime?: string;
  /** `undefined` for the root user, whose report value is `not_supported`. */
  passwordEnabled?: boolean;
  passwordLastUsed?: string;
  /** True when the password exists and the report says it was never used. */
  passwordNeverUsed: boolean;
  passwordLastChanged?: string;
  mfaActive: boolean;
  /** Key slots holding a key (active or not). */
  keys: ReportKeySlot[];
  /** Certificate slots holding a certificate. */
  certificates: Array<{ slot: 1 | 2; active: boolean; lastRotated: string }>;
}

const MISSING = new Set(['', 'N/A', 'no_information', 'not_supported']);

function value(v: string | undefined): string | undefined {
  return v === undefined || MISSING.has(v.trim()) ? undefined : v.trim();
}

/** AWS writes `2024-01-15T10:20:30+00:00`; the model wants ISO 8601 in UTC. */
function date(v: string | undefined): string | undefined {
  const s = value(v);
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * Parses the credential report (CSV, as `GetCredentialReport` returns it).
 * Throws when the header is not the one AWS documents, so that a format
 * change is an error of the account rather than silently wrong data.
 *
 * @public
 */
export function parseCredentialReport(csv: string): CredentialReportRow[] {
  const rows: Record<string, string>[] = parse(csv, {
    columns: (header: string[]) => {
      const missing = CREDENTIAL_REPORT_COLUMNS.filter(
        c => !header.includes(c),
      );
      if (missing.length) {
        throw new Error(
          `the credential report lacks the column(s) ${missing.join(', ')}`,
        );
      }
      return header;
    },
    skip_empty_lines: true,
    trim: true,
    bom: true,
  });
  return rows.map(r => {
    const keys: ReportKeySlot[] = [];
    for (const slot of [1, 2] as const) {
      const lastRotated = date(r[`access_key_${slot}_last_rotated`]);
      if (!lastRotated) continue;
      const usedAt = date(r[`access_key_${slot}_last_used_date`]);
      keys.push({
        slot,
        active: r[`access_key_${slot}_active`] === 'true',
        lastRotated,
        lastUsed: usedAt
          ? {
              at: usedAt,
              region: value(r[`access_key_${slot}_last_used_region`]),
              service: value(r[`access_key_${slot}_last_used_service`]),
            }
          : undefined,
      });
    }
    const certificates: CredentialReportRow['certificates'] = [];
    for (const slot of [1, 2] as const) {
      const lastRotated = date(r[`cert_${slot}_last_rotated`]);
      if (lastRotated) {
        certificates.push({
          slot,
          active: r[`cert_${slot}_active`] === 'true',
          lastRotated,
        });
      }
    }
    // `not_supported` for the root user: neither true nor false.
    let passwordEnabled: boolean | undefined;
    if (r.password_enabled === 'true') passwordEnabled = true;
    if (r.password_enabled === 'false') passwordEnabled = false;
    const passwordLastUsed = date(r.password_last_used);
    return {
      user: r.user,
      arn: r.arn,
      userCreationTime: date(r.user_creation_time),
      passwordEnabled,
      passwordLastUsed,
      passwordNeverUsed:
        passwordEnabled === true &&
        !passwordLastUsed &&
        (r.password_last_used === 'no_information' ||
          r.password_last_used === 'N/A'),
      passwordLastChanged: date(r.password_last_changed),
      mfaActive: r.mfa_active === 'true',
      keys,
      certificates,
    };
  });
}
