/**
 * Launchpad Portal shared model: entity kinds, annotations, link types and the
 * entity builders, the refresh events topic, config.yml and
 * application.yml schemas, slug rules, secret rule, permissions, status types.
 *
 * @packageDocumentation
 */
export * from './entities';
export * from './entityBuilders';
export * from './events';
export * from './config';
export * from './secrets';
export * from './slug';
export * from './permissions';
export * from './status';
export * from './picasso';
export * from './signals';
