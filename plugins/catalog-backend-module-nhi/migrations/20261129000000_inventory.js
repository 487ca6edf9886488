/*
 * The inventory summary: one narrow row per identity, written by the pipeline
 * with the same deltas it sends to the catalog, so that the NHI page's pages
 * and counts are plain indexed queries instead of the catalog's generic
 * entity-attribute search (seconds at 100,000 identities).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('nhi_inventory', table => {
    table.comment(
      'One row per NonHumanIdentity in the catalog, with the fields the NHI page filters, counts and lists',
    );
    table
      .string('entity_ref', 255)
      .primary('nhi_inventory_pk')
      .comment('The identity, as nonhumanidentity:namespace/name (lower case)');
    table
      .string('source_key', 255)
      .notNullable()
      .comment('The source that emitted it, or "declared" for hand-written');
    table.string('name', 255).notNullable().comment('metadata.name');
    table.string('namespace', 255).notNullable().comment('metadata.namespace');
    table.text('title').nullable().comment('metadata.title');
    table.text('type').notNullable().comment('spec.type');
    table.string('category', 64).notNullable().comment('spec.category');
    table.text('provider').notNullable().comment('spec.provider');
    table.text('account').nullable().comment('spec.account');
    table.text('external_id').notNullable().comment('spec.externalId');
    table
      .text('owner')
      .nullable()
      .comment('spec.owner as a full entity ref in lower case');
    table
      .string('ownership_status', 16)
      .notNullable()
      .comment('spec.ownership.status');
    table
      .string('ownership_provenance', 32)
      .notNullable()
      .comment('spec.ownership.provenance');
    table
      .text('suggested_owners')
      .nullable()
      .comment('JSON of spec.ownership.suggestedOwners');
    table.string('risk_level', 16).nullable().comment('spec.risk.level');
    table.integer('risk_score').nullable().comment('spec.risk.score');
    table
      .text('rules')
      .notNullable()
      .comment('spec.risk.rules, space separated with a space at each end');
    table
      .string('rotation_status', 32)
      .nullable()
      .comment('spec.rotation.status');
    table.text('last_used_at').nullable().comment('spec.lastUsed.at');
    table
      .boolean('last_used_never')
      .notNullable()
      .defaultTo(false)
      .comment('spec.lastUsed.never');
    table
      .text('search_text')
      .notNullable()
      .comment(
        'Lower-case name, title, external id and credential ids, for the search box',
      );
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now())
      .comment('When the row was last written');
    table.index(['name'], 'nhi_inventory_name_idx');
    table.index(['owner'], 'nhi_inventory_owner_idx');
    table.index(['category'], 'nhi_inventory_category_idx');
    table.index(['risk_level'], 'nhi_inventory_risk_level_idx');
    table.index(['rotation_status'], 'nhi_inventory_rotation_idx');
    table.index(['ownership_status'], 'nhi_inventory_ownership_idx');
    table.index(['source_key'], 'nhi_inventory_source_idx');
    table.index(['provider'], 'nhi_inventory_provider_idx');
  });

  // PostgreSQL: a trigram index makes the search box's "contains" match an
  // index lookup instead of a scan of every row. pg_trgm ships with
  // PostgreSQL and is trusted (a database owner may create it); where it
  // cannot be created the search still works, by scanning.
  if (knex.client.config.client === 'pg') {
    try {
      await knex.transaction(async trx => {
        await trx.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
        await trx.raw(
          'CREATE INDEX nhi_inventory_search_trgm_idx ON nhi_inventory USING gin (search_text gin_trgm_ops)',
        );
      });
    } catch (e) {
      // eslint-disable-next-line no-console
      console.warn(
        `nhi_inventory: no trigram index for the search box (${e}); searches scan the table`,
      );
    }
  }

  await knex.schema.alterTable('nhi_source_runs', table => {
    table
      .timestamp('inventory_synced_at', { useTz: true })
      .nullable()
      .comment(
        'When a complete run last wrote every identity of the source to nhi_inventory',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('nhi_source_runs', table => {
    table.dropColumn('inventory_synced_at');
  });
  await knex.schema.dropTable('nhi_inventory');
};
