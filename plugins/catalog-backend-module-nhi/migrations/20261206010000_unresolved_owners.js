/*
 * The owner names a source's last run could not resolve to a Group or User,
 * with how many identities named each: what the Sources card lists so that
 * a platform team maps them (nhi.ownership.aliases) in one place.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('nhi_source_runs', table => {
    table
      .text('unresolved_owners')
      .nullable()
      .comment(
        'JSON list of {value, count}: the owner names of the last run that no Group or User matched, most frequent first (at most 50)',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('nhi_source_runs', table => {
    table.dropColumn('unresolved_owners');
  });
};
