/** The first 7 characters of a git SHA, as ArgoCD and GitHub show it. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 7) : revision;
}

/**
 * The GitHub commit page of a revision, when the source repository is on
 * GitHub (https://github.com/o/r(.git) or git@github.com:o/r.git) and the
 * revision is a commit SHA (a Helm chart's revision is a version, not a commit).
 */
export function commitUrl(
  repoURL: string | undefined,
  revision: string | undefined,
): string | undefined {
  if (!repoURL || !revision || !/^[0-9a-f]{7,40}$/i.test(revision))
    return undefined;
  const match =
    /^(?:https?:\/\/github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
      repoURL.trim(),
    );
  if (!match) return undefined;
  return `https://github.com/${match[1]}/${match[2]}/commit/${revision}`;
}
