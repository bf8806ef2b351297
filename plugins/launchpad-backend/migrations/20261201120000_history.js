// @ts-check

/**
 * History that Launchpad's own tools throw away: Argo Workflow runs (Argo's
 * ttlStrategy removes finished Workflows) and ArgoCD sync/health transitions
 * (ArgoCD keeps only its last syncs). Keys make every write idempotent, so
 * several backend replicas watching the same clusters record each fact once.
 * Workflow parameter values are never stored: they hold generated passwords.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('launchpad_workflow_runs', table => {
    table.comment('One row per Argo Workflow the status watch has seen');
    table.string('uid', 64).primary().comment('metadata.uid of the Workflow');
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('name', 255).notNullable();
    table.string('template', 255).nullable().comment('WorkflowTemplate used');
    table.string('phase', 32).notNullable().defaultTo('');
    table.string('started_at', 40).nullable();
    table.string('finished_at', 40).nullable();
    table.string('failed_step', 255).nullable();
    table.text('message').nullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['cluster', 'namespace'], 'launchpad_workflow_runs_instance');
  });
  await knex.schema.createTable('launchpad_argocd_transitions', table => {
    table.comment('ArgoCD sync and health changes of each Application');
    table.increments('id');
    table.string('cluster', 255).notNullable();
    table
      .string('namespace', 255)
      .notNullable()
      .comment('The instance namespace');
    table.string('application', 255).notNullable();
    table.string('app_uid', 64).notNullable();
    table.string('resource_version', 64).notNullable();
    table.string('sync_from', 32).nullable();
    table.string('sync_to', 32).notNullable();
    table.string('health_from', 32).nullable();
    table.string('health_to', 32).notNullable();
    table.string('revision', 255).nullable();
    table.text('message').nullable();
    table.bigInteger('at').notNullable();
    table.unique(['app_uid', 'resource_version'], {
      indexName: 'launchpad_argocd_transitions_once',
    });
    table.index(
      ['cluster', 'namespace'],
      'launchpad_argocd_transitions_instance',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('launchpad_argocd_transitions');
  await knex.schema.dropTable('launchpad_workflow_runs');
};
