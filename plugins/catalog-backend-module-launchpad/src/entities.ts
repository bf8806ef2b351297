import {
  buildClusterEntity,
  buildInstanceEntitiesFromConfig,
  isInstanceFolderName,
  lifecycleFor,
  type EntityBuildContext,
  type InstanceEntities,
} from '@internal/plugin-launchpad-common';
import {
  parseInstanceFiles,
  type InstanceFolder,
} from '@internal/plugin-launchpad-node';

/*
 * From a cluster repository's instance folders to catalog entities. The
 * files are parsed (secrets stripped) by launchpad-node and the entities
 * built by launchpad-common, the same builders the frontend's fixtures use;
 * this module only joins the two.
 */

export {
  buildClusterEntity,
  isInstanceFolderName,
  lifecycleFor,
  type EntityBuildContext,
  type InstanceEntities,
};

/**
 * The instance's `Component` and its database and bucket `Resource`s. A
 * malformed config.yml / application.yml still gives the instance entity,
 * flagged with the `config-error` annotation, so it shows in the catalog.
 */
export function buildInstanceEntities(
  folder: InstanceFolder,
  ctx: EntityBuildContext,
): InstanceEntities {
  const parsed = parseInstanceFiles(folder.files);
  return buildInstanceEntitiesFromConfig(
    {
      slug: folder.slug,
      path: folder.path,
      config: parsed.config,
      application: parsed.application,
      errors: parsed.errors.map(e => e.message),
    },
    ctx,
  );
}
