/*
 * Held removals (a run that would remove too many of a source's identities
 * holds them until a person or the next run confirms) and what each run's
 * enrichment saw (so identities are resolved again as soon as the groups,
 * users and components they point at reach the catalog).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('nhi_held_removals', table => {
    table.comment(
      'Identities a source run would have removed but held: more than the configured share of the source, or all of it',
    );
    table
      .string('source_key', 255)
      .notNullable()
      .comment('The source, as <type>:<id>');
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The held identity, as kind:namespace/name');
    table.primary(['source_key', 'entity_ref'], 'nhi_held_removals_pk');
  });
  await knex.schema.alterTable('nhi_source_runs', table => {
    table
      .text('held_removal')
      .nullable()
      .comment(
        'JSON of the held removal: how many of how many, why, since when, who confirmed it and when; null when none is held',
      );
    table
      .text('enrichment')
      .nullable()
      .comment(
        'JSON of what the last run enriched from (groups and users, declaring entities) and how many identities it left unresolved or unowned',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('nhi_source_runs', table => {
    table.dropColumn('enrichment');
    table.dropColumn('held_removal');
  });
  await knex.schema.dropTable('nhi_held_removals');
};
