// The tombstone horizon of the mirror's positions (append-only: never edit a released migration, add
// the next number). Runs with search_path set to the mirror's PostgreSQL schema, so names are unqualified.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('spacelog_offsets', (t) => {
    // No record after topic_offset was appended before this instant (the newest applied mutation's
    // timestamp, or when the mirror saw the log end at topic_offset). Written with the offset, in the
    // same transaction. A mirror that resumes once delete.retention.ms has passed since may have missed
    // TAKE / EXPIRE tombstones removed by Kafka's cleaner, and rebuilds the partition from the log.
    // Null for positions written before this migration: their age is unknown.
    t.timestamp('covered_at', { useTz: true });
    // How many times the partition was rebuilt from a full read of its log (reported by status / lag).
    t.integer('reconciles').notNullable().defaultTo(0);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('spacelog_offsets', (t) => {
    t.dropColumn('reconciles');
    t.dropColumn('covered_at');
  });
};
