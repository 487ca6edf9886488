/*
 * Tables of the NHI pipeline, kept in the catalog's database beside the
 * catalog's own (prefixed `nhi_` so they never clash).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('nhi_emitted_entities', table => {
    table.comment(
      'The entities each NHI source last emitted, with a hash of each, so that unchanged runs write nothing and removals are scoped',
    );
    table
      .string('source_key', 255)
      .notNullable()
      .comment('The source, as <type>:<id>');
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The emitted entity, as kind:namespace/name');
    table
      .string('scope', 255)
      .notNullable()
      .defaultTo('')
      .comment('The unit a read succeeds or fails for, e.g. an AWS account');
    table
      .string('hash', 64)
      .notNullable()
      .comment('Hash of the emitted entity');
    table
      .text('fallback_ownership')
      .nullable()
      .comment(
        'JSON of the ownership the identity has without a claim (tagged, inferred or none), applied when a claim is released',
      );
    table.primary(['source_key', 'entity_ref'], 'nhi_emitted_entities_pk');
    table.index(['source_key', 'scope'], 'nhi_emitted_entities_scope_idx');
    table.index(['entity_ref'], 'nhi_emitted_entities_ref_idx');
  });

  await knex.schema.createTable('nhi_source_runs', table => {
    table.comment(
      'The last run of each NHI source: when, how it ended, counts and errors',
    );
    table
      .string('source_key', 255)
      .primary('nhi_source_runs_pk')
      .comment('The source, as <type>:<id>');
    table
      .string('status', 32)
      .notNullable()
      .comment('running, succeeded, partial or failed');
    table
      .timestamp('started_at', { useTz: true })
      .notNullable()
      .comment('When the last run started');
    table
      .timestamp('finished_at', { useTz: true })
      .nullable()
      .comment('When the last run ended');
    table
      .timestamp('last_success_at', { useTz: true })
      .nullable()
      .comment('When a run last ended complete');
    table
      .text('counts')
      .notNullable()
      .comment(
        'JSON of the run counts (read, invalid, changed, unchanged, removed)',
      );
    table
      .text('errors')
      .notNullable()
      .comment('JSON of the first errors of the run');
    table
      .text('stats')
      .nullable()
      .comment('JSON of figures the source reported');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('nhi_source_runs');
  await knex.schema.dropTable('nhi_emitted_entities');
};
