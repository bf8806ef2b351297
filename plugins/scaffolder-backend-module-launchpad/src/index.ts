/**
 * Launchpad scaffolder actions: a new Open edX instance end to end.
 *
 * @packageDocumentation
 */
export { scaffolderModuleLaunchpad as default } from './module';
export * from './actions';
