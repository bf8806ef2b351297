/**
 * Launchpad Portal shared model: entity kinds and annotations, config.yml and
 * application.yml schemas, slug rules, secret rule, permissions, status types.
 *
 * @packageDocumentation
 */
export * from './entities';
export * from './config';
export * from './secrets';
export * from './slug';
export * from './permissions';
export * from './status';
