// @ts-check

/**
 * Picasso build runs (the cluster repository's build.yml workflow runs):
 * GitHub keeps them, but nothing ties them to an instance; the poller reads
 * the instance and service from each run's run-name title. Keyed by GitHub's
 * run id, so every write is an upsert and replicas cannot record a run twice.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('launchpad_build_runs', table => {
    table.comment('One row per Picasso build.yml run of an instance');
    table.bigInteger('run_id').primary().comment('GitHub Actions run id');
    table.string('cluster', 255).notNullable();
    table.string('instance', 255).notNullable().comment('Instance slug');
    table.string('service', 64).notNullable().comment('openedx, mfe, …');
    table.string('status', 32).notNullable();
    table.string('conclusion', 32).nullable();
    table.string('started_at', 40).notNullable();
    table.string('updated_at', 40).notNullable();
    table.string('finished_at', 40).nullable();
    table.integer('duration_seconds').nullable();
    table
      .string('image', 512)
      .nullable()
      .comment('The image tag config.yml named after the build, when known');
    table.string('url', 1024).notNullable();
    table.string('head_sha', 64).notNullable();
    table.bigInteger('recorded_at').notNullable();
    table.index(['cluster', 'instance'], 'launchpad_build_runs_instance');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('launchpad_build_runs');
};
