/*
 * Governance people can trust: a claim remembers which group it would take
 * an identity from (a transfer needs that group's consent), and an owner's
 * acceptance of a high or critical finding is a request a reviewer decides.
 * Existing exceptions keep their status ('active' or 'revoked') and work as
 * before.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  const isPg = knex.client.config.client === 'pg';

  await knex.schema.alterTable('nhi_claims', table => {
    table
      .string('from_group_ref', 255)
      .nullable()
      .comment(
        'For a transfer: the group that owned the identity when it was asked for',
      );
    table.index(['from_group_ref', 'status'], 'nhi_claims_from_group_idx');
  });

  await knex.schema.alterTable('nhi_exceptions', table => {
    table
      .string('severity', 16)
      .nullable()
      .comment(
        'Severity of the finding when it was accepted or requested (null before this column existed)',
      );
    table
      .string('reviewed_by', 255)
      .nullable()
      .comment('Who approved or rejected the request');
    table
      .timestamp('reviewed_at', { useTz: true })
      .nullable()
      .comment('When the request was approved or rejected');
    table.text('review_comment').nullable().comment('The reviewer’s comment');
  });
  await knex.raw(
    `CREATE UNIQUE INDEX nhi_exceptions_one_request ON nhi_exceptions (entity_ref, rule_id) WHERE status = 'requested'`,
  );
  if (isPg) {
    await knex.raw(
      `COMMENT ON COLUMN nhi_exceptions.status IS 'requested (waits for a reviewer), active, rejected or revoked'`,
    );
    await knex.raw(
      `COMMENT ON COLUMN nhi_exceptions.created_by IS 'Who accepted it, or asked for it'`,
    );
  }
};

/**
 * Requests and rejected requests do not exist before this migration: they
 * become revoked exceptions, so the older code sees only statuses it knows.
 *
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  const isPg = knex.client.config.client === 'pg';
  await knex('nhi_exceptions')
    .whereIn('status', ['requested', 'rejected'])
    .update({
      status: 'revoked',
      revoked_by: knex.raw('coalesce(reviewed_by, created_by)'),
      revoked_at: knex.raw('coalesce(reviewed_at, created_at)'),
    });
  await knex.raw('DROP INDEX IF EXISTS nhi_exceptions_one_request');
  await knex.raw('DROP INDEX IF EXISTS nhi_claims_from_group_idx');
  // ALTER TABLE … DROP COLUMN, which SQLite (3.35 and later) and
  // PostgreSQL both do in place, leaving the other indexes and triggers be.
  for (const column of [
    'severity',
    'reviewed_by',
    'reviewed_at',
    'review_comment',
  ]) {
    await knex.raw(`ALTER TABLE nhi_exceptions DROP COLUMN ${column}`);
  }
  await knex.raw('ALTER TABLE nhi_claims DROP COLUMN from_group_ref');
  if (isPg) {
    await knex.raw(
      `COMMENT ON COLUMN nhi_exceptions.status IS 'active or revoked'`,
    );
    await knex.raw(
      `COMMENT ON COLUMN nhi_exceptions.created_by IS 'Who accepted it'`,
    );
  }
};
