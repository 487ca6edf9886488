/*
 * Access reviews (certification campaigns) over non-human identities, and
 * the unowned-identity policy. The invariants are the database's: one item
 * per identity and campaign, one campaign per step of a recurring series,
 * one decision per item and step (so two reviewers deciding at once leave
 * exactly one decision standing), a notification sent once per period, and
 * a decision history that refuses updates and deletes.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  const isPg = knex.client.config.client === 'pg';

  await knex.schema.createTable('nhi_campaigns', table => {
    table.comment(
      'Access reviews (certification campaigns) of non-human identities',
    );
    table
      .string('id', 36)
      .primary('nhi_campaigns_pk')
      .comment('Campaign id (uuid)');
    table
      .string('series_id', 36)
      .notNullable()
      .comment('The recurring series: the id of its first campaign');
    table
      .integer('sequence')
      .notNullable()
      .comment('1 for the first campaign of the series, then 2, 3…');
    table.string('name', 255).notNullable().comment('What people call it');
    table.text('description').nullable().comment('What it is for');
    table
      .text('scope')
      .notNullable()
      .comment(
        'JSON array of inventory filter sets; an identity matching any was in scope',
      );
    table
      .string('reviewer_rule', 16)
      .notNullable()
      .comment('leads or members: who of the owner team reviews');
    table
      .string('fallback_group', 255)
      .notNullable()
      .comment(
        'Reviews unowned identities and, after escalation, overdue items',
      );
    table
      .timestamp('due_at', { useTz: true })
      .notNullable()
      .comment('When decisions are due');
    table
      .integer('reminder_days')
      .notNullable()
      .comment('Reviewers are reminded every this many days (0: never)');
    table
      .integer('due_soon_days')
      .notNullable()
      .comment('Reviewers are reminded this many days before the due date');
    table
      .string('end_action', 16)
      .notNullable()
      .comment('not-reviewed or revoke: what closing does to undecided items');
    table
      .integer('recurrence_months')
      .nullable()
      .comment('The campaign repeats every this many months (3: quarterly)');
    table
      .timestamp('next_start_at', { useTz: true })
      .nullable()
      .comment('When the next campaign of the series starts, while to come');
    table
      .string('status', 16)
      .notNullable()
      .comment('active, or closed (decisions final)');
    table
      .integer('item_count')
      .notNullable()
      .comment('Identities frozen in scope');
    table
      .timestamp('snapshot_at', { useTz: true })
      .notNullable()
      .comment('When the scope was frozen');
    table
      .text('snapshot_note')
      .nullable()
      .comment('What the inventory could not answer when the scope was frozen');
    table
      .string('created_by', 255)
      .notNullable()
      .comment('Who started it (user ref, or the scheduler for a recurrence)');
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .comment('When it was started');
    table.string('closed_by', 255).nullable().comment('Who closed it');
    table
      .timestamp('closed_at', { useTz: true })
      .nullable()
      .comment('When it was closed');
    table.unique(['series_id', 'sequence'], {
      indexName: 'nhi_campaigns_series_step_uq',
    });
    table.index(['status', 'created_at'], 'nhi_campaigns_status_idx');
    table.index(['next_start_at'], 'nhi_campaigns_next_start_idx');
  });

  await knex.schema.createTable('nhi_campaign_items', table => {
    table.comment(
      'One identity of a campaign: its state when the scope was frozen, its reviewer, decision and remediation',
    );
    table
      .string('id', 36)
      .primary('nhi_campaign_items_pk')
      .comment('Item id (uuid)');
    table
      .string('campaign_id', 36)
      .notNullable()
      .references('id')
      .inTable('nhi_campaigns')
      .onDelete('CASCADE')
      .withKeyName('nhi_campaign_items_campaign_fk')
      .comment('The campaign');
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The identity, kind:namespace/name in lower case');
    table.string('title', 255).notNullable().comment('Its title or name then');
    table.string('type', 64).notNullable().comment('Its type then');
    table.string('category', 64).notNullable().comment('Its category then');
    table.string('provider', 64).notNullable().comment('Its provider then');
    table.string('account', 255).nullable().comment('Its account then');
    table.text('external_id').notNullable().comment('Its external id then');
    table
      .string('owner_ref', 255)
      .nullable()
      .comment('Its owner then; null when unowned');
    table
      .string('ownership_provenance', 32)
      .notNullable()
      .comment('Where that owner came from');
    table.string('risk_level', 16).nullable().comment('Its risk level then');
    table.integer('risk_score').nullable().comment('Its risk score then');
    table
      .text('rule_ids')
      .notNullable()
      .comment('Rules with open findings then, space separated');
    table
      .string('rotation_status', 32)
      .nullable()
      .comment('Its rotation status then');
    table
      .string('reviewer_ref', 255)
      .notNullable()
      .comment('Assigned to: the owner, the fallback group, or a delegate');
    table
      .string('reviewer_kind', 16)
      .notNullable()
      .comment('owner, fallback or delegate');
    table
      .integer('escalation')
      .notNullable()
      .defaultTo(0)
      .comment('0; 1 overdue (owner team leads); 2 (fallback group too)');
    table
      .string('decision', 16)
      .nullable()
      .comment('certify, revoke, reduce or not-reviewed; null while pending');
    table
      .integer('decision_seq')
      .notNullable()
      .defaultTo(0)
      .comment('Decisions made on it so far (the current one’s step)');
    table.string('decided_by', 255).nullable().comment('Who decided');
    table.timestamp('decided_at', { useTz: true }).nullable().comment('When');
    table.text('note').nullable().comment('The reviewer’s note');
    table
      .string('delegated_from', 255)
      .nullable()
      .comment('Who it was assigned to before the last delegation');
    table
      .string('delegated_by', 255)
      .nullable()
      .comment('Who delegated or reassigned it last');
    table.timestamp('delegated_at', { useTz: true }).nullable().comment('When');
    table.text('delegation_reason').nullable().comment('Why');
    table
      .string('remediation_action', 16)
      .nullable()
      .comment('revoke or reduce: what the source must show');
    table
      .string('remediation_status', 16)
      .nullable()
      .comment('open, done or cancelled');
    table
      .timestamp('remediation_opened_at', { useTz: true })
      .nullable()
      .comment('When the decision opened it');
    table
      .timestamp('remediation_checked_at', { useTz: true })
      .nullable()
      .comment('When the source was last looked at');
    table
      .timestamp('remediation_done_at', { useTz: true })
      .nullable()
      .comment('When the source showed the change');
    table
      .text('remediation_evidence')
      .nullable()
      .comment('What the source showed');
    table.unique(['campaign_id', 'entity_ref'], {
      indexName: 'nhi_campaign_items_one_per_identity',
    });
    table.index(
      ['campaign_id', 'reviewer_ref'],
      'nhi_campaign_items_reviewer_idx',
    );
    table.index(['campaign_id', 'owner_ref'], 'nhi_campaign_items_owner_idx');
    table.index(['campaign_id', 'decision'], 'nhi_campaign_items_decision_idx');
    table.index(['entity_ref'], 'nhi_campaign_items_entity_idx');
    table.index(['remediation_status'], 'nhi_campaign_items_remediation_idx');
  });

  await knex.schema.createTable('nhi_campaign_decisions', table => {
    table.comment(
      'Every decision made on a campaign item, in order; append-only',
    );
    table
      .bigIncrements('id', { primaryKey: true })
      .comment('Order of the decisions');
    table.string('campaign_id', 36).notNullable().comment('The campaign');
    table.string('item_id', 36).notNullable().comment('The item');
    table
      .integer('seq')
      .notNullable()
      .comment('1 for the item’s first decision, then 2, 3…');
    table
      .string('decision', 16)
      .notNullable()
      .comment('certify, revoke, reduce or not-reviewed');
    table.text('note').nullable().comment('The reviewer’s note');
    table
      .string('decided_by', 255)
      .notNullable()
      .comment('Who (user ref, or campaign:end for the end action)');
    table
      .timestamp('decided_at', { useTz: true })
      .notNullable()
      .comment('When');
    table.unique(['item_id', 'seq'], {
      indexName: 'nhi_campaign_decisions_one_per_step',
    });
    table.index(['campaign_id', 'id'], 'nhi_campaign_decisions_campaign_idx');
  });

  await knex.schema.createTable('nhi_notices', table => {
    table.comment(
      'Notifications sent by campaigns and the unowned-identity policy, once per period',
    );
    table.bigIncrements('id', { primaryKey: true }).comment('Row id');
    table
      .string('subject', 255)
      .notNullable()
      .comment('The campaign id, or unowned for the unowned-identity policy');
    table
      .string('kind', 32)
      .notNullable()
      .comment(
        'started, reminder, due-soon, overdue, escalated, unowned-day-N…',
      );
    table.string('recipient', 255).notNullable().comment('User or group ref');
    table
      .string('period', 64)
      .notNullable()
      .comment('Which occurrence: a date, a reminder number, an identity…');
    table.timestamp('sent_at', { useTz: true }).notNullable().comment('When');
    table.unique(['subject', 'kind', 'recipient', 'period'], {
      indexName: 'nhi_notices_once',
    });
  });

  await knex.schema.createTable('nhi_unowned', table => {
    table.comment(
      'Identities the unowned-identity policy saw without an owner, and since when',
    );
    table
      .string('entity_ref', 255)
      .primary('nhi_unowned_pk')
      .comment('The identity, in lower case');
    table
      .timestamp('since', { useTz: true })
      .notNullable()
      .comment('When it was first seen unowned');
    table
      .timestamp('last_seen_at', { useTz: true })
      .notNullable()
      .comment('When it was last seen unowned');
    table
      .text('suggested_owners')
      .nullable()
      .comment('JSON array of owner candidates the inventory suggested');
    table
      .integer('notified_stage')
      .notNullable()
      .defaultTo(-1)
      .comment('The last notification day reached (index into notifyDays)');
    table.index(['since'], 'nhi_unowned_since_idx');
  });

  await knex.schema.alterTable('nhi_audit', table => {
    table
      .string('campaign_id', 36)
      .nullable()
      .comment('The access-review campaign concerned');
  });

  if (isPg) {
    await knex.raw(`
      CREATE FUNCTION nhi_campaign_decisions_append_only() RETURNS trigger AS $$
      BEGIN
        RAISE EXCEPTION 'campaign decisions are append-only';
      END;
      $$ LANGUAGE plpgsql`);
    await knex.raw(`
      CREATE TRIGGER nhi_campaign_decisions_no_change BEFORE UPDATE OR DELETE ON nhi_campaign_decisions
      FOR EACH ROW EXECUTE FUNCTION nhi_campaign_decisions_append_only()`);
  } else {
    await knex.raw(`
      CREATE TRIGGER nhi_campaign_decisions_no_update BEFORE UPDATE ON nhi_campaign_decisions
      BEGIN SELECT RAISE(ABORT, 'campaign decisions are append-only'); END`);
    await knex.raw(`
      CREATE TRIGGER nhi_campaign_decisions_no_delete BEFORE DELETE ON nhi_campaign_decisions
      BEGIN SELECT RAISE(ABORT, 'campaign decisions are append-only'); END`);
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  const isPg = knex.client.config.client === 'pg';
  if (isPg) {
    await knex.raw(
      'DROP TRIGGER IF EXISTS nhi_campaign_decisions_no_change ON nhi_campaign_decisions',
    );
    await knex.raw(
      'DROP FUNCTION IF EXISTS nhi_campaign_decisions_append_only()',
    );
  }
  // the audit trail is append-only: its campaign entries stay, without the
  // column that named the campaign (ALTER TABLE … DROP COLUMN, which SQLite
  // 3.35+ and PostgreSQL do in place, leaving the triggers be)
  await knex.raw('ALTER TABLE nhi_audit DROP COLUMN campaign_id');
  await knex.schema.dropTable('nhi_unowned');
  await knex.schema.dropTable('nhi_notices');
  await knex.schema.dropTable('nhi_campaign_decisions');
  await knex.schema.dropTable('nhi_campaign_items');
  await knex.schema.dropTable('nhi_campaigns');
};
