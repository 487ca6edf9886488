/*
 * The NHI page's inventory opens with the riskiest identities first, and
 * every column sorts on the server: an index for the default order (risk
 * score, highest first) and for the owner and rotation orders, and a rank
 * of the rotation status so that "worst first" is an indexed order rather
 * than the alphabet.
 */

// @ts-check

/** Identity rotation statuses, worst first (as nhi-common lists them). */
const ROTATION_WORST_FIRST = [
  'expired',
  'overdue',
  'never-rotated',
  'no-expiry',
  'due-soon',
  'ok',
  'not-applicable',
];

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('nhi_inventory', table => {
    table
      .integer('rotation_rank')
      .nullable()
      .comment(
        'How bad rotation_status is, for sorting: expired highest, not-applicable 0, null when unknown',
      );
  });
  const cases = ROTATION_WORST_FIRST.map(
    (status, i) =>
      `WHEN '${status}' THEN ${ROTATION_WORST_FIRST.length - 1 - i}`,
  ).join(' ');
  await knex.raw(
    `UPDATE nhi_inventory SET rotation_rank = CASE rotation_status ${cases} ELSE NULL END`,
  );
  // PostgreSQL puts NULLs first when descending unless told; SQLite puts
  // them last already and takes no NULLS clause in an index.
  const nullsLast = knex.client.config.client === 'pg' ? ' NULLS LAST' : '';
  await knex.raw(
    `CREATE INDEX nhi_inventory_risk_sort_idx ON nhi_inventory (risk_score DESC${nullsLast}, name, entity_ref)`,
  );
  await knex.raw(
    `CREATE INDEX nhi_inventory_rotation_sort_idx ON nhi_inventory (rotation_rank DESC${nullsLast}, name, entity_ref)`,
  );
  await knex.raw(
    'CREATE INDEX nhi_inventory_owner_sort_idx ON nhi_inventory (owner, name, entity_ref)',
  );
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('nhi_inventory', table => {
    table.dropIndex([], 'nhi_inventory_owner_sort_idx');
    table.dropIndex([], 'nhi_inventory_rotation_sort_idx');
    table.dropIndex([], 'nhi_inventory_risk_sort_idx');
  });
  await knex.schema.alterTable('nhi_inventory', table => {
    table.dropColumn('rotation_rank');
  });
};
