// @ts-check

/**
 * Notifications, once per transition on any number of replicas.
 *
 * `launchpad_instance_transitions` is the chain of an instance's watched
 * states (ArgoCD health, the backup verdict): row `seq` n + 1 is written
 * only after row n, and (cluster, namespace, kind, seq) is unique, so when
 * two replicas see the same change both try to write the same position and
 * exactly one insert succeeds. Unlike a key by resourceVersion, which two
 * replicas coalescing watch events into passes can see differently, the
 * position does not depend on which event a replica looked at.
 *
 * `notify_state` (null: nothing to send, `pending`, `sending`, `sent`,
 * `skipped`) is the send claim, on those rows and on build runs: a replica
 * sends only after `update … set notify_state = 'sending' where … and
 * notify_state = 'pending'` (build runs: `is null`) changed one row.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('launchpad_instance_transitions', table => {
    table.comment(
      'Changes of an instance health or backup verdict, one chain per instance and kind',
    );
    table.increments('id');
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable().comment('Instance namespace');
    table.string('kind', 32).notNullable().comment('health | backup');
    table.integer('seq').notNullable().comment('Position in the chain, from 1');
    table.string('from_state', 32).nullable();
    table.string('to_state', 32).notNullable();
    table
      .text('detail')
      .nullable()
      .comment('What the cluster said, no secrets');
    table
      .bigInteger('observed_at')
      .notNullable()
      .comment('When the state was seen (ms): later sightings win');
    table.bigInteger('recorded_at').notNullable();
    table.string('notify_state', 16).nullable();
    table.bigInteger('notified_at').nullable().comment('Claimed or sent at');
    table.unique(['cluster', 'namespace', 'kind', 'seq'], {
      indexName: 'launchpad_instance_transitions_once',
    });
    table.index(['notify_state'], 'launchpad_instance_transitions_notify');
  });
  await knex.schema.alterTable('launchpad_build_runs', table => {
    table.string('notify_state', 16).nullable();
    table.bigInteger('notified_at').nullable();
    table.index(['notify_state'], 'launchpad_build_runs_notify');
  });
  // Runs recorded before notifications existed are history, not news.
  await knex('launchpad_build_runs')
    .where({ status: 'completed' })
    .update({ notify_state: 'skipped' });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('launchpad_build_runs', table => {
    table.dropIndex(['notify_state'], 'launchpad_build_runs_notify');
    table.dropColumn('notify_state');
    table.dropColumn('notified_at');
  });
  await knex.schema.dropTable('launchpad_instance_transitions');
};
