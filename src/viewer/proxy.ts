/**
 * What the viewer's proxy forwards: Prometheus's read-only query API and nothing else, so a page on
 * 127.0.0.1 cannot reach Prometheus's admin API (`/api/v1/admin/*`), `/-/reload`, `/-/quit`,
 * remote write or another host through us.
 */

/** Where the page sends PromQL: `<prefix>/api/v1/...` on our server. */
export const PROXY_PREFIX = "/prometheus";

const READ_ONLY_PATHS = [
  /^\/api\/v1\/query$/,
  /^\/api\/v1\/query_range$/,
  /^\/api\/v1\/query_exemplars$/,
  /^\/api\/v1\/series$/,
  /^\/api\/v1\/labels$/,
  /^\/api\/v1\/label\/[^/]+\/values$/,
  /^\/api\/v1\/metadata$/,
  /^\/api\/v1\/status\/buildinfo$/,
];

/** POST is a read on these endpoints too: a long query goes in a form body. */
const READ_METHODS = new Set(["GET", "POST"]);

export type ProxyDecision =
  | { readonly forward: true; readonly upstreamPath: string }
  | { readonly forward: false; readonly status: 403 | 405; readonly reason: string };

/** Whether a request to `<prefix><path>` may go to Prometheus, and as which upstream path. Pure. */
export function proxyDecision(method: string, path: string): ProxyDecision {
  if (!READ_ONLY_PATHS.some((pattern) => pattern.test(path))) {
    return { forward: false, status: 403, reason: `${path} is not one of Prometheus's read-only query endpoints` };
  }
  if (!READ_METHODS.has(method)) return { forward: false, status: 405, reason: `${method} is not allowed on ${path}` };
  return { forward: true, upstreamPath: path };
}
