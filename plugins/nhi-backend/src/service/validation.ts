import { InputError } from '@backstage/errors';
import {
  NHI_TEXT_LIMITS,
  NhiClaimStatus,
  NhiInventoryFilters,
  nhiRuleById,
  NhiTextField,
} from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import { z } from 'zod';
import { StoredExceptionStatus } from '../database/ClaimsStore';
import { normalizeRef } from '../lib/identifiers';

/**
 * What the API accepts, checked before anything is read or written: JSON
 * bodies against zod schemas, query parameters one value each, entity refs,
 * statuses, rule ids and dates. Every refusal is a 400 that names what is
 * wrong.
 */

/**
 * Characters refused in every text the API takes: NUL and the other C0
 * controls but tab, line feed and carriage return, DEL, and the
 * bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) that make text read differently from what it is.
 */
const FORBIDDEN_CHARACTERS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/;

/** A 400 when a text holds a forbidden character, naming the field and the character. */
function checkCharacters(value: string, field: string) {
  const found = FORBIDDEN_CHARACTERS.exec(value);
  if (found) {
    const code = found[0].codePointAt(0)!.toString(16).toUpperCase();
    throw new InputError(
      `${field} contains U+${code.padStart(
        4,
        '0',
      )}, a control or bidirectional formatting character, which is not allowed`,
    );
  }
}

/** A text field of `min` to `max` characters (see {@link text}). */
const limited = (field: string, min: number, max: number) => {
  return z
    .string({
      error: issue =>
        issue.input === undefined
          ? `${field} is required`
          : `${field} must be text`,
    })
    .superRefine((value, ctx) => {
      try {
        checkCharacters(value, field);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    })
    .trim()
    .min(min, { error: `${field} must be at least ${min} characters` })
    .max(max, { error: `${field} must be at most ${max} characters` });
};

/**
 * A text field: no forbidden characters, trimmed, within the lengths
 * `NHI_TEXT_LIMITS` gives the kind of text it is (which the dialogs keep
 * to as well); `field` is its name in the body.
 */
const text = (kind: NhiTextField, field: string = kind) => {
  const { min, max } = NHI_TEXT_LIMITS[kind];
  return limited(field, min, max);
};

const fields = {
  entityRef: text('entityRef'),
  group: text('group'),
  ruleId: text('ruleId'),
  justification: text('justification'),
  comment: text('comment'),
  /** Why a claim or a request is rejected, given as `comment`. */
  reason: text('reason', 'comment'),
  until: text('until'),
};

const decision = z.enum(['certify', 'revoke', 'reduce'], {
  error: issue =>
    issue.input === undefined
      ? 'decision is required'
      : 'decision must be certify, revoke or reduce',
});

const days = (field: string) =>
  z
    .int({ error: `${field} must be a whole number of days` })
    .min(0, { error: `${field} must be at least 0` })
    .max(365, { error: `${field} must be at most 365` });

/** One set of the inventory's filters, as the NHI page's URL has them. */
const filterSet = z.strictObject(
  {
    provider: limited('provider', 1, 100).optional(),
    category: limited('category', 1, 100).optional(),
    level: z
      .enum(['critical', 'high', 'medium', 'low', 'none'], {
        error: 'level must be critical, high, medium, low or none',
      })
      .optional(),
    rule: limited('rule', 1, 64).optional(),
    owner: limited('owner', 1, 255).optional(),
    dormant: z.boolean({ error: 'dormant must be true or false' }).optional(),
    rotation: limited('rotation', 1, 32).optional(),
    q: limited('q', 1, 200).optional(),
  },
  { error: 'each filter set must be an object of inventory filters' },
);

const itemIds = z
  .array(z.string({ error: 'itemIds must be item ids' }).max(64), {
    error: 'itemIds must be a list of item ids',
  })
  .min(1, { error: 'itemIds must name at least one item' })
  .max(500, { error: 'itemIds may name at most 500 items' });

/** The bodies of the API; an unknown field is refused. */
export const schemas = {
  createCampaign: z.strictObject({
    name: text('campaignName', 'name'),
    description: text('campaignDescription', 'description').optional(),
    scope: z
      .array(filterSet, {
        error: 'scope must be a list of inventory filter sets',
      })
      .min(1, { error: 'scope needs at least one filter set' })
      .max(10, { error: 'scope may have at most 10 filter sets' }),
    reviewerRule: z
      .enum(['leads', 'members'], {
        error: 'reviewerRule must be leads or members',
      })
      .optional(),
    dueAt: text('until', 'dueAt'),
    reminderEveryDays: days('reminderEveryDays').optional(),
    dueSoonDays: days('dueSoonDays').optional(),
    endAction: z
      .enum(['not-reviewed', 'revoke'], {
        error: 'endAction must be not-reviewed or revoke',
      })
      .optional(),
    recurrenceMonths: z
      .int({ error: 'recurrenceMonths must be a whole number of months' })
      .min(1, { error: 'recurrenceMonths must be from 1 to 12' })
      .max(12, { error: 'recurrenceMonths must be from 1 to 12' })
      .optional(),
  }),
  decide: z.strictObject({
    decision,
    note: text('note').optional(),
    replaces: z
      .int({
        error: 'replaces must be the decisionSeq of the decision you change',
      })
      .min(1, {
        error: 'replaces must be the decisionSeq of the decision you change',
      })
      .optional(),
  }),
  decideMany: z.strictObject({
    itemIds,
    decision,
    note: text('note').optional(),
  }),
  reassign: z.strictObject({
    itemIds,
    to: text('entityRef', 'to'),
    reason: text('reason'),
  }),
  createClaim: z.strictObject({
    entityRef: fields.entityRef,
    group: fields.group,
    justification: fields.justification,
  }),
  approve: z.strictObject({ comment: fields.comment.optional() }),
  reject: z.strictObject({ comment: fields.reason }),
  empty: z.strictObject({}),
  release: z.strictObject({
    entityRef: fields.entityRef,
    comment: fields.comment.optional(),
  }),
  createException: z.strictObject({
    entityRef: fields.entityRef,
    ruleId: fields.ruleId,
    justification: fields.justification,
    until: fields.until,
  }),
};

/**
 * Why the body could not be read (not JSON, too large), kept for the route
 * so that the refusal is part of its audited call.
 */
const bodyErrors = new WeakMap<express.Request, Error>();

/**
 * Makes the router read JSON bodies of at most 64 kB. A body that is not
 * JSON is not refused here but by {@link parseBody}, inside the route, so
 * that the refusal is audited like any other.
 */
export function readJsonBodies(router: express.Router) {
  router.use((req, _res, next) => {
    if (req.is(['application/json', 'application/*+json']) === false) {
      bodyErrors.set(
        req,
        new InputError(
          'the request body must be JSON (Content-Type: application/json)',
        ),
      );
    }
    next();
  });
  router.use(express.json({ limit: '64kb' }));
  router.use(
    (
      error: unknown,
      req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      const type = (error as { type?: unknown })?.type;
      if (type === 'entity.parse.failed') {
        bodyErrors.set(
          req,
          new InputError('the request body is not valid JSON'),
        );
      } else if (type === 'entity.too.large') {
        bodyErrors.set(
          req,
          new InputError('the request body is too large (at most 64 kB)'),
        );
      } else {
        next(error);
        return;
      }
      req.body = undefined;
      next();
    },
  );
}

/** Validates a body, or throws a 400 naming every problem. */
export function parseBody<T>(
  schema: z.ZodType<T>,
  req: express.Request,
  what: string,
): T {
  const bodyError = bodyErrors.get(req);
  if (bodyError) throw bodyError;
  // A POST without a body is an empty object; anything but an object is not.
  const value = req.body === undefined ? {} : req.body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `invalid ${what}: the request body must be a JSON object`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(issue => {
      // a nested field is named with where it is: scope[0]: …
      const at = (
        issue.code === 'unrecognized_keys'
          ? issue.path
          : issue.path.slice(0, -1)
      ).reduce<string>(
        (where, key) =>
          typeof key === 'number'
            ? `${where}[${key}]`
            : `${where}${where ? '.' : ''}${String(key)}`,
        '',
      );
      const prefix = at ? `${at}: ` : '';
      if (issue.code === 'unrecognized_keys') {
        return `${prefix}unknown field${
          issue.keys.length > 1 ? 's' : ''
        } ${issue.keys.join(', ')}`;
      }
      return `${prefix}${issue.message}`;
    });
    throw new InputError(
      `invalid ${what}: ${[...new Set(problems)].join('; ')}`,
    );
  }
  return result.data;
}

/**
 * The query parameters of a route, each one value of text: an unknown
 * parameter, a repeated one (`status=a&status=b`), an array (`status[]=a`)
 * or an object (`entityRef[a]=b`) is a 400 rather than silently dropped.
 */
export function queryOf<K extends string>(
  req: express.Request,
  allowed: readonly K[],
): Partial<Record<K, string>> {
  const result: Partial<Record<K, string>> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new InputError(
        `unknown query parameter ${key}${
          allowed.length ? `; this route takes ${allowed.join(', ')}` : ''
        }`,
      );
    }
    if (typeof value !== 'string') {
      throw new InputError(
        `query parameter ${key} must be given once, as text (a list is one value separated by commas)`,
      );
    }
    checkCharacters(value, key);
    result[key as K] = value;
  }
  return result;
}

/** A true/false query parameter; present without a value is true. */
export function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === '') return true;
  throw new InputError(`${name} must be true or false`);
}

const CLAIM_STATUSES: readonly NhiClaimStatus[] = [
  'open',
  'approved',
  'rejected',
  'withdrawn',
  'closed',
  'superseded',
  'released',
];

/** `expired` is computed from the date, so it is not a status one can ask for. */
const EXCEPTION_STATUSES: readonly StoredExceptionStatus[] = [
  'requested',
  'active',
  'rejected',
  'revoked',
];

function statusList<S extends string>(
  value: string | undefined,
  allowed: readonly S[],
): S[] | undefined {
  if (!value) return undefined;
  return value.split(',').map(s => {
    if (!(allowed as readonly string[]).includes(s)) {
      throw new InputError(
        `status must be one of ${allowed.join(', ')}, got ${s}`,
      );
    }
    return s as S;
  });
}

/** The claim statuses of a `status` parameter (comma-separated), if given. */
export const claimStatuses = (value: string | undefined) =>
  statusList(value, CLAIM_STATUSES);

/** The stored exception statuses of a `status` parameter, if given. */
export const exceptionStatuses = (value: string | undefined) =>
  statusList(value, EXCEPTION_STATUSES);

/** An identity's ref as given in `field`, normalized (kind `nonhumanidentity` by default). */
export function identityRef(value: string, field = 'entityRef'): string {
  return normalizeRef(value, 'nonhumanidentity', field);
}

/**
 * The group a body names, normalized (kind `group` by default); a 400 for
 * another kind.
 */
export function groupRef(value: string, field = 'group'): string {
  const ref = normalizeRef(value, 'group', field);
  if (!ref.startsWith('group:')) {
    throw new InputError(`${field} must be a Group, got ${ref}`);
  }
  return ref;
}

/** A rule id of the rule catalog, or a 400. */
export function ruleId(value: string): string {
  if (!nhiRuleById(value)) {
    throw new InputError(
      `ruleId: there is no rule ${value} (see docs/rules.md)`,
    );
  }
  return value;
}

/** An ISO 8601 date or date-time, or a 400. */
export function date(value: string, field: string): Date {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) {
    throw new InputError(`${field}: not an ISO 8601 date: ${value}`);
  }
  return parsed;
}

const CAMPAIGN_ITEM_STATUSES = [
  'pending',
  'certify',
  'revoke',
  'reduce',
  'not-reviewed',
] as const;

/**
 * The item statuses of a campaign items `status` parameter: `pending`,
 * `decided`, or outcomes, comma separated.
 */
export function campaignItemStatuses(value: string | undefined): {
  statuses?: Array<(typeof CAMPAIGN_ITEM_STATUSES)[number]>;
  decided?: boolean;
} {
  if (!value) return {};
  if (value === 'decided') return { decided: true };
  return { statuses: statusList(value, CAMPAIGN_ITEM_STATUSES) };
}

/** A campaign status parameter. */
export function campaignStatus(
  value: string | undefined,
): 'active' | 'closed' | undefined {
  if (!value) return undefined;
  if (value !== 'active' && value !== 'closed') {
    throw new InputError(`status must be active or closed, got ${value}`);
  }
  return value;
}

/**
 * The filter sets of a campaign's scope, checked and normalized as the
 * inventory reads them: a known rule id, an owner as an entity ref (or
 * `unowned`), lower-case category, level and rotation status.
 */
export function campaignScope(
  sets: Array<Record<string, string | boolean | undefined>>,
): NhiInventoryFilters[] {
  return sets.map((set, i) => {
    const out: NhiInventoryFilters = {};
    for (const [key, value] of Object.entries(set)) {
      if (value === undefined) continue;
      if (key === 'dormant') {
        if (value === true) out.dormant = true;
        continue;
      }
      const v = String(value);
      if (key === 'rule') {
        if (!nhiRuleById(v.toUpperCase())) {
          throw new InputError(
            `scope[${i}]: there is no rule ${v} (see docs/rules.md)`,
          );
        }
        out.rule = v.toUpperCase();
      } else if (key === 'owner') {
        out.owner =
          v.toLowerCase() === 'unowned'
            ? 'unowned'
            : normalizeRef(v, 'group', `scope[${i}].owner`);
      } else if (key === 'category' || key === 'level' || key === 'rotation') {
        out[key] = v.toLowerCase();
      } else {
        (out as Record<string, string>)[key] = v;
      }
    }
    return out;
  });
}

/** An entity ref of a user or group (`to` of a reassignment). */
export function principalRef(value: string, field: string): string {
  const ref = normalizeRef(value, 'user', field);
  if (!ref.startsWith('user:') && !ref.startsWith('group:')) {
    throw new InputError(`${field} must be a User or a Group, got ${ref}`);
  }
  return ref;
}
