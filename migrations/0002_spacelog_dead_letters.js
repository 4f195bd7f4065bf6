// The mirror's dead letters (append-only: never edit a released migration, add the next number).
// Runs with search_path set to the mirror's PostgreSQL schema, so names are unqualified.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // A record the mirror could not apply (mirror option onPoison: 'dead-letter'), written in the same
  // transaction as the partition's offset that moves past it. Key and value are the record's bytes as
  // logged (bytea: they may hold what text cannot, such as U+0000), so nothing of it is lost.
  await knex.schema.createTable('spacelog_dead_letters', (t) => {
    t.text('space').notNullable();
    t.integer('partition').notNullable();
    t.bigInteger('topic_offset').notNullable();
    t.binary('key');
    t.text('op');
    t.text('error_code').notNullable();
    t.text('error_message').notNullable();
    t.binary('value');
    t.timestamp('dead_lettered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['space', 'partition', 'topic_offset']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('spacelog_dead_letters');
};
