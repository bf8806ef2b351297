/*
 * The captions the Workloads card (live runs) and the History card (recorded
 * runs) give a Workflow run that a phase alone misreads.
 */

/** A suspended run keeps its phase (Running) while it waits on someone. */
export function suspendedNote(phaseLabel: string): string {
  return `${phaseLabel}, waits for argo resume (or an approval)`;
}

/** Offloaded nodes are in Argo's database: no step named does not mean none failed. */
export const OFFLOADED_NOTE =
  "Steps offloaded to Argo's database: see them in the Argo UI";
