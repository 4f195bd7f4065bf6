// Spacelog's own tables (append-only: never edit a released migration, add the next number).
// Runs with search_path set to the mirror's PostgreSQL schema, so names are unqualified.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // The mirror's applied position per partition log: the next Kafka offset to apply. Written in the
  // same transaction as the rows it covers (docs/design.md law 5), so it is the truth, never Kafka's committed offsets.
  await knex.schema.createTable('spacelog_offsets', (t) => {
    t.text('space').notNullable();
    t.integer('partition').notNullable();
    t.bigInteger('topic_offset').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['space', 'partition']);
  });
  // What each mirror table was last migrated to: the Avro fingerprint and the column layout.
  await knex.schema.createTable('spacelog_types', (t) => {
    t.text('space').notNullable();
    t.text('type').notNullable();
    t.text('fingerprint').notNullable();
    t.text('table_name').notNullable();
    t.jsonb('columns').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['space', 'type']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('spacelog_types');
  await knex.schema.dropTable('spacelog_offsets');
};
