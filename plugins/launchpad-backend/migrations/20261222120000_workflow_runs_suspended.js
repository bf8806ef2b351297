// @ts-check

/**
 * What deriveWorkflowStatus reads beside the phase: a run suspended (spec.suspend
 * or a Suspend step waiting, as Argo's IsWorkflowSuspended) stays phase Running,
 * and a run whose node status is offloaded to Argo's database names no failed
 * step. The table has no JSON column to hold them, so two flags; rows recorded
 * before read as neither.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('launchpad_workflow_runs', table => {
    table
      .boolean('suspended')
      .notNullable()
      .defaultTo(false)
      .comment('Waits for argo resume or an approval');
    table
      .boolean('nodes_offloaded')
      .notNullable()
      .defaultTo(false)
      .comment('status.offloadNodeStatusVersion: steps in Argo database');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('launchpad_workflow_runs', table => {
    table.dropColumn('suspended');
    table.dropColumn('nodes_offloaded');
  });
};
