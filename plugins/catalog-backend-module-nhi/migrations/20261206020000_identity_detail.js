/*
 * The catalog holds a lean NonHumanIdentity (what people filter and relate
 * on); everything else about an identity — credentials, evidence, the
 * permission summary, last use — is kept here, in its summary row, where
 * the identity's page and the scorecards read it. And a second hash per
 * emitted identity, so that a run whose changes touch only that detail
 * writes the summary and not the catalog.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('nhi_inventory', table => {
    table
      .text('detail')
      .nullable()
      .comment(
        "JSON of the identity's whole evaluated spec (the catalog entity holds a lean part of it); null for rows written before it was kept",
      );
  });
  await knex.schema.alterTable('nhi_emitted_entities', table => {
    table
      .string('detail_hash', 64)
      .nullable()
      .comment(
        'Hash of the whole evaluated spec last written to the summary (the hash column is of the entity sent to the catalog)',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('nhi_emitted_entities', table => {
    table.dropColumn('detail_hash');
  });
  await knex.schema.alterTable('nhi_inventory', table => {
    table.dropColumn('detail');
  });
};
