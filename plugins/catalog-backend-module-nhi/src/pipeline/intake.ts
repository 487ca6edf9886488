import { stringifyEntityRef } from '@backstage/catalog-model';
import { NHI_KIND, nhiEntityName } from '@backstage-nhi/plugin-nhi-common';
import {
  NhiIdentityRecord,
  validateNhiRecord,
} from '@backstage-nhi/plugin-nhi-node';
import {
  buildEntity,
  BuiltIdentity,
  EnrichmentContext,
  NhiEvaluator,
} from '../lib/buildEntity';
import { ExternalIdRegistry } from '../lib/duplicates';
import { hasUnresolvedReferences } from '../lib/reresolution';
import {
  evaluateWithRedactions,
  ScreenedRecord,
} from '../lib/secrets/screenRecords';
import { errorMessage, NhiRunRecord } from './runRecord';

/**
 * One run's way from a screened record to an identity to emit: normalize
 * (refuse what holds a secret it cannot redact, validate, one identity per
 * `externalId` within the source), then enrich and evaluate (`buildEntity`).
 *
 * It remembers what the run listed, for the removal step: the identities
 * built (`seen`), the invalid ones whose entity it can still name and so
 * keeps (`kept`), and where an invalid record could not be named the scope
 * it makes incomplete (or the whole source, without a scope).
 */
export class NhiRunIntake {
  /** Identities built and listed by this run. */
  readonly seen = new Set<string>();
  /** Invalid records whose entity can still be named: their old entity stays. */
  readonly kept = new Set<string>();
  /** Scopes with an invalid record that cannot be named: nothing is removed there. */
  readonly incompleteScopes = new Set<string>();
  /** An invalid record with neither name nor scope: nothing is removed. */
  unscopedInvalid = false;
  /** What enrichment could not resolve, for resolving again (see NhiReresolver). */
  readonly left = { unresolved: 0, unowned: 0 };
  // within the source, an identity is its externalId
  private readonly externalIds = new ExternalIdRegistry();

  constructor(
    private readonly options: {
      sourceKey: string;
      context: EnrichmentContext;
      evaluate: NhiEvaluator;
      run: NhiRunRecord;
    },
  ) {}

  /** Whether this run listed the identity (valid or kept). */
  listed = (entityRef: string): boolean =>
    this.seen.has(entityRef) || this.kept.has(entityRef);

  /** Forgets an identity this run will not emit after all (another source does). */
  drop(entityRef: string) {
    this.seen.delete(entityRef);
  }

  /**
   * Takes one screened record: the identity built from it, or undefined
   * when it is refused, invalid or a duplicate (counted and recorded as a
   * problem of the run).
   */
  take({
    record,
    redactedSecrets,
    refused,
  }: ScreenedRecord): BuiltIdentity | undefined {
    const { sourceKey, context, evaluate, run } = this.options;
    const { counts, addError } = run;
    counts.read++;
    if (refused) {
      // Not kept: an entity ingested before would hold the secret.
      counts.invalid++;
      addError({ message: refused, scope: record?.scope ?? record?.account });
      return undefined;
    }
    const problem = validateNhiRecord(record);
    if (problem) {
      counts.invalid++;
      const scope = record?.scope ?? record?.account;
      addError({
        message: `${
          record?.externalId ?? 'an identity without externalId'
        }: ${problem}`,
        scope,
      });
      const ref = safeEntityRef(record);
      if (ref) {
        this.kept.add(ref);
        this.externalIds.register(record);
      } else if (scope !== undefined) this.incompleteScopes.add(scope);
      else this.unscopedInvalid = true;
      return undefined;
    }
    const duplicate = this.externalIds.register(record);
    if (duplicate) {
      counts.duplicate++;
      addError({ message: duplicate, scope: record.scope ?? record.account });
      return undefined;
    }
    let built: BuiltIdentity;
    try {
      built = buildEntity(
        record,
        sourceKey,
        context,
        evaluateWithRedactions(evaluate, redactedSecrets),
      );
    } catch (e) {
      counts.invalid++;
      addError({
        message: `${record.externalId}: could not be processed: ${errorMessage(
          e,
        )}`,
        scope: record.scope ?? record.account,
      });
      const ref = safeEntityRef(record);
      if (ref) this.kept.add(ref);
      return undefined;
    }
    if (this.seen.has(built.entityRef)) {
      counts.duplicate++;
      addError({
        message: `${record.externalId}: listed twice; the first one was kept`,
        scope: built.scope,
      });
      return undefined;
    }
    this.seen.add(built.entityRef);
    if (hasUnresolvedReferences(record, built.full)) this.left.unresolved++;
    const ownership = built.full.spec.ownership;
    if (ownership?.status === 'unowned') this.left.unowned++;
    if (ownership?.unresolvedOwner) {
      run.noteUnresolvedOwner(ownership.unresolvedOwner);
    }
    return built;
  }
}

/** The entity ref of a record that is invalid but still names its entity. */
function safeEntityRef(record: NhiIdentityRecord): string | undefined {
  if (
    typeof record?.provider === 'string' &&
    typeof record?.name === 'string' &&
    typeof record?.externalId === 'string' &&
    record.provider &&
    record.name.trim() &&
    record.externalId
  ) {
    return stringifyEntityRef({
      kind: NHI_KIND,
      namespace: 'default',
      name: nhiEntityName(record.provider, record.name, record.externalId),
    });
  }
  return undefined;
}
