/*
 * Trends: a daily snapshot of the headline figures of the inventory summary,
 * for the whole inventory and for each team, so that the NHI page and the
 * team card show growth and decay over time ("coverage 62% → 81% in 30
 * days"). The snapshot task rewrites the current day's rows each time it
 * runs, so a day keeps its last figures.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('nhi_trend_snapshots', table => {
    table.comment(
      'Daily headline figures of the inventory summary: one row per day for the whole inventory and one per owning group',
    );
    table
      .string('day', 10)
      .notNullable()
      .comment('The day the figures are of, YYYY-MM-DD in UTC');
    table
      .string('scope', 255)
      .notNullable()
      .comment(
        '"all" for the whole inventory, else the owning group ref in lower case',
      );
    table
      .integer('identities')
      .notNullable()
      .comment('Identities (for a group: those it owns)');
    table
      .integer('owned')
      .notNullable()
      .comment('Of those, how many have an owner');
    table
      .integer('unowned_used')
      .nullable()
      .comment(
        'For a group: unowned identities used by the components it owns; null for "all"',
      );
    table.integer('critical').notNullable().comment('At risk level critical');
    table.integer('high').notNullable().comment('At risk level high');
    table.integer('medium').notNullable().comment('At risk level medium');
    table.integer('low').notNullable().comment('At risk level low');
    table
      .integer('past_rotation')
      .notNullable()
      .comment('Rotation status overdue, never-rotated or expired');
    table
      .integer('dormant')
      .notNullable()
      .comment(
        'With an open NHI-DORMANT-IDENTITY or NHI-DORMANT-CREDENTIAL finding',
      );
    table
      .timestamp('taken_at', { useTz: true })
      .notNullable()
      .comment('When the snapshot was taken');
    table.primary(['day', 'scope'], 'nhi_trend_snapshots_pk');
    table.index(['scope', 'day'], 'nhi_trend_snapshots_scope_day_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('nhi_trend_snapshots');
};
