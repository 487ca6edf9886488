/*
 * The claims backend's tables. The invariants are the database's, not only
 * the code's: one open claim per identity and group, at most one approved
 * owner per identity, one active exception per identity and rule, and an
 * audit trail that refuses updates and deletes.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  const isPg = knex.client.config.client === 'pg';

  await knex.schema.createTable('nhi_claims', table => {
    table.comment('Ownership claims of non-human identities and their review');
    table.string('id', 36).primary('nhi_claims_pk').comment('Claim id (uuid)');
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The identity, kind:namespace/name');
    table
      .string('group_ref', 255)
      .notNullable()
      .comment('The group the identity is claimed for');
    table
      .string('kind', 16)
      .notNullable()
      .comment('claim, or transfer when another group owned it');
    table
      .string('status', 16)
      .notNullable()
      .comment(
        'open, approved, rejected, withdrawn, closed, superseded or released',
      );
    table
      .text('justification')
      .notNullable()
      .comment('Why the claimant says the group owns it');
    table
      .string('created_by', 255)
      .notNullable()
      .comment('The claimant (user ref)');
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .comment('When the claim was made');
    table
      .string('decided_by', 255)
      .nullable()
      .comment('Who approved, rejected, withdrew or released it');
    table
      .timestamp('decided_at', { useTz: true })
      .nullable()
      .comment('When that happened');
    table.text('comment').nullable().comment('The reviewer’s comment');
    table
      .text('closed_reason')
      .nullable()
      .comment('Why it ended without its own decision');
    table.index(['entity_ref'], 'nhi_claims_entity_idx');
    table.index(['group_ref', 'status'], 'nhi_claims_group_status_idx');
    table.index(['status'], 'nhi_claims_status_idx');
    table.index(['created_by'], 'nhi_claims_created_by_idx');
  });
  await knex.raw(
    `CREATE UNIQUE INDEX nhi_claims_one_open_per_group ON nhi_claims (entity_ref, group_ref) WHERE status = 'open'`,
  );
  await knex.raw(
    `CREATE UNIQUE INDEX nhi_claims_one_owner ON nhi_claims (entity_ref) WHERE status = 'approved'`,
  );

  await knex.schema.createTable('nhi_exceptions', table => {
    table.comment(
      'Accepted risks: one rule’s finding on one identity, accepted until a date',
    );
    table
      .string('id', 36)
      .primary('nhi_exceptions_pk')
      .comment('Exception id (uuid)');
    table.string('entity_ref', 255).notNullable().comment('The identity');
    table
      .string('rule_id', 64)
      .notNullable()
      .comment('The accepted rule, e.g. NHI-SHARED-IDENTITY');
    table
      .text('justification')
      .notNullable()
      .comment('Why the risk is accepted');
    table
      .timestamp('until', { useTz: true })
      .notNullable()
      .comment('Until when');
    table.string('status', 16).notNullable().comment('active or revoked');
    table.string('created_by', 255).notNullable().comment('Who accepted it');
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .comment('When');
    table.string('revoked_by', 255).nullable().comment('Who revoked it');
    table
      .timestamp('revoked_at', { useTz: true })
      .nullable()
      .comment('When it was revoked');
    table.index(['entity_ref'], 'nhi_exceptions_entity_idx');
  });
  await knex.raw(
    `CREATE UNIQUE INDEX nhi_exceptions_one_active ON nhi_exceptions (entity_ref, rule_id) WHERE status = 'active'`,
  );

  await knex.schema.createTable('nhi_audit', table => {
    table.comment(
      'Append-only audit trail of claims, ownership and exceptions, per identity',
    );
    table
      .bigIncrements('id', { primaryKey: true })
      .comment('Order of the entries');
    table.string('entity_ref', 255).notNullable().comment('The identity');
    table.timestamp('at', { useTz: true }).notNullable().comment('When');
    table
      .string('actor', 255)
      .notNullable()
      .comment('Who (user or service ref)');
    table
      .string('action', 64)
      .notNullable()
      .comment('What, e.g. claim.approved');
    table.string('claim_id', 36).nullable().comment('The claim concerned');
    table
      .string('exception_id', 36)
      .nullable()
      .comment('The exception concerned');
    table
      .text('details')
      .nullable()
      .comment('JSON details (group, comment, reason…)');
    table.index(['entity_ref', 'id'], 'nhi_audit_entity_idx');
  });
  if (isPg) {
    await knex.raw(`
      CREATE FUNCTION nhi_audit_append_only() RETURNS trigger AS $$
      BEGIN
        RAISE EXCEPTION 'the NHI audit trail is append-only';
      END;
      $$ LANGUAGE plpgsql`);
    await knex.raw(`
      CREATE TRIGGER nhi_audit_no_change BEFORE UPDATE OR DELETE ON nhi_audit
      FOR EACH ROW EXECUTE FUNCTION nhi_audit_append_only()`);
  } else {
    await knex.raw(`
      CREATE TRIGGER nhi_audit_no_update BEFORE UPDATE ON nhi_audit
      BEGIN SELECT RAISE(ABORT, 'the NHI audit trail is append-only'); END`);
    await knex.raw(`
      CREATE TRIGGER nhi_audit_no_delete BEFORE DELETE ON nhi_audit
      BEGIN SELECT RAISE(ABORT, 'the NHI audit trail is append-only'); END`);
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  const isPg = knex.client.config.client === 'pg';
  if (isPg) {
    await knex.raw('DROP TRIGGER IF EXISTS nhi_audit_no_change ON nhi_audit');
    await knex.raw('DROP FUNCTION IF EXISTS nhi_audit_append_only()');
  }
  await knex.schema.dropTable('nhi_audit');
  await knex.schema.dropTable('nhi_exceptions');
  await knex.schema.dropTable('nhi_claims');
};
