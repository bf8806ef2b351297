import { readOperations } from './openapi';
import { CODELOAD_PATH } from './routes/tarball';

interface Template {
  method: string;
  template: string;
  pattern: RegExp;
  literals: number;
}

let templates: Template[] | undefined;

/**
 * Every operation of the pruned spec as a matcher. A parameter is one path
 * segment, except a last one that may span segments (file paths, refs and
 * branch names contain '/'); templates with more literal segments are tried
 * first, so `/actions/runs/{run_id}/jobs` wins over `/actions/runs/{run_id}`.
 */
function compiled(): Template[] {
  if (templates) return templates;
  const { pathTemplates, methods } = readOperations();
  templates = Object.entries(pathTemplates)
    .map(([operationId, template]) => {
      const segments = template.split('/').slice(1);
      const source = segments
        .map((s, i) => {
          if (!/^\{[^}]+\}$/.test(s))
            return `/${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
          return i === segments.length - 1 ? '(?:/.*)?' : '/[^/]+';
        })
        .join('');
      return {
        method: methods[operationId].toUpperCase(),
        template,
        pattern: new RegExp(`^${source}/?$`),
        literals: segments.filter(s => !s.startsWith('{')).length,
      };
    })
    .sort((a, b) => b.literals - a.literals);
  return templates;
}

/**
 * The GitHub route a request is for, as `METHOD template` with GitHub's path
 * template (`GET /repos/{owner}/{repo}/git/trees/{tree_sha}`), derived from
 * the URL alone so requests refused before routing (401, rate limit, a
 * fault) are counted under their route too. Paths outside the served
 * operations give `METHOD (unmatched)`.
 */
export function githubRouteTemplate(method: string, path: string): string {
  const m = method.toUpperCase();
  if (path === '/graphql') return `${m} /graphql`;
  // The archive download host's path (codeload.github.com on GitHub).
  if (path.startsWith(`${CODELOAD_PATH}/`)) {
    const kind = path.split('/')[4] ?? '';
    return `${m} ${CODELOAD_PATH}/{owner}/{repo}/${kind}/{ref}`;
  }
  const found = compiled().find(t => t.method === m && t.pattern.test(path));
  return `${m} ${found ? found.template : '(unmatched)'}`;
}
