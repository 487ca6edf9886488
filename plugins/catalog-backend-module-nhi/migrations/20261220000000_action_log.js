/*
 * The remediation actions' log: every action run through the portal, the
 * scaffolder or expiry enforcement — who asked, why, the dry run shown, who
 * confirmed it under the two-person rule, and how it ended. Kept beside the
 * pipeline that runs the sources' actions, so that confirming a request and
 * running it are decided in one database.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('nhi_action_log', table => {
    table.comment(
      'Remediation actions on non-human identities: requests, confirmations and outcomes',
    );
    table
      .string('id', 36)
      .primary('nhi_action_log_pk')
      .comment('Action run id (uuid)');
    table
      .string('action', 64)
      .notNullable()
      .comment('The action, e.g. access-key:deactivate');
    table
      .string('source_key', 255)
      .notNullable()
      .comment('The source that runs it, as <type>:<id>');
    table
      .string('entity_ref', 255)
      .nullable()
      .comment(
        'The identity acted on, or the one an action created (kind:namespace/name)',
      );
    table.text('input').notNullable().comment('JSON of the action input');
    table.text('reason').notNullable().comment('Why, as the requester said');
    table
      .string('requested_by', 255)
      .notNullable()
      .comment('Who asked (user ref, or nhi:expiry-enforcement)');
    table
      .timestamp('requested_at', { useTz: true })
      .notNullable()
      .comment('When it was asked for');
    table
      .string('status', 16)
      .notNullable()
      .comment('pending, running, succeeded, failed or rejected');
    table
      .text('plan')
      .notNullable()
      .comment('JSON of the dry run shown when it was asked for');
    table
      .string('decided_by', 255)
      .nullable()
      .comment('The second person who confirmed or rejected it');
    table
      .timestamp('decided_at', { useTz: true })
      .nullable()
      .comment('When they did');
    table.text('comment').nullable().comment('Why it was rejected');
    table
      .text('result')
      .nullable()
      .comment('JSON of what the run changed, once it ran');
    table.text('error').nullable().comment('Why the run failed');
    table
      .timestamp('finished_at', { useTz: true })
      .nullable()
      .comment('When the run ended');
    table
      .string('dedupe_key', 512)
      .nullable()
      .comment(
        'Unique while set: one pending request per action, identity and input; one expiry enforcement per identity and expiry',
      );
    table.unique(['dedupe_key'], { indexName: 'nhi_action_log_dedupe_key' });
    table.index(['entity_ref', 'requested_at'], 'nhi_action_log_entity_idx');
    table.index(['status'], 'nhi_action_log_status_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('nhi_action_log');
};
