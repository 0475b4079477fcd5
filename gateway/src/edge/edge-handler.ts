import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '@gatehouse/errors';
import { requestId } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import type { AccessGuard } from '../auth/access-control';
import type { BodyLimit } from '../proxy/body-limit';
import { isAmbiguousPolicyPath, pathOfTarget, policyPath, policyPrefix } from '../proxy/path-prefix';
import { answerError } from '../proxy/problem-response';
import { dropForwardingHeaders, stripIdentityHeaders } from '../proxy/request-hygiene';
import type { UpstreamProxy } from '../proxy/upstream-proxy';
import type { AccessLog } from './access-log';
import type { EdgeHeaders } from './security-headers';

/** Requests whose path is one of `prefixes` or below them go to `upstream`, path unchanged. */
export interface EdgeRoute {
  readonly prefixes: readonly string[];
  /** Paths below these stay away even when below one of `prefixes`: another route serves them. */
  readonly except?: readonly string[];
  readonly upstream: UpstreamProxy;
}

export interface EdgeOptions {
  /** Tried in order; the first that takes the path serves it. */
  readonly routes: readonly EdgeRoute[];
  readonly headers: EdgeHeaders;
  readonly guard: AccessGuard;
  readonly bodyLimit: BodyLimit;
  readonly trustProxyHops: number;
  readonly accessLog: AccessLog;
  readonly logger: Logger;
}

/** Serves the request and returns true, or returns false, untouched, for the Express app to serve. */
export type EdgeHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The metric route of a request refused before any route took it. */
const UNMATCHED = 'unmatched';

const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * The path of a request target: origin-form as sent; absolute-form (`http://host/path`) as
 * Express and http-proxy read it, the part after the authority, without resolving anything.
 */
function targetPath(target: string): string | undefined {
  if (target.charCodeAt(0) === 0x2f) return pathOfTarget(target);
  const authority = ABSOLUTE_FORM.exec(target);
  if (!authority) return undefined;
  const path = pathOfTarget(target.slice(authority[0].length));
  return path === '' ? '/' : path;
}

type Overflow = Parameters<BodyLimit>[2];

interface Matched {
  readonly route: EdgeRoute;
  /** The metric route: the prefix that took the request, never its path (ids would explode the label set). */
  readonly label: string;
  /** Answers 413 for a streamed body past the limit and cuts it off from the upstream. */
  readonly overflow: Overflow;
}

/** Every route × prefix outcome, built once: the hot path allocates none. */
type RouteTable = ReadonlyArray<{ readonly route: EdgeRoute; readonly byPrefix: ReadonlyMap<string, Matched> }>;

function routeTable(routes: readonly EdgeRoute[], logger: Logger): RouteTable {
  return routes.map((route) => {
    const overflow: Overflow = (req, res, error) => {
      // The request's own id travels in its x-request-id header by then.
      const id = req.headers['x-request-id'];
      answerError(logger, req, res, error, typeof id === 'string' ? id : '');
      route.upstream.abort(req);
    };
    return { route, byPrefix: new Map(route.prefixes.map((label) => [label, { route, label, overflow }])) };
  });
}

function matchRoute(table: RouteTable, policy: string): Matched | undefined {
  for (const { route, byPrefix } of table) {
    const prefix = policyPrefix(policy, route.prefixes);
    if (prefix !== undefined && (route.except === undefined || policyPrefix(policy, route.except) === undefined)) return byPrefix.get(prefix);
  }
  return undefined;
}

/**
 * The proxied hot path as a plain Node request listener, off Express's router and middleware
 * chain: request id, access log and metrics, security and CORS headers, ambiguous-path
 * refusal, identity- and forwarding-header hygiene, body limit, access control, then the
 * upstream, in the order the Express pipeline applied them. Errors are the same problem+json.
 */
export function createEdge(options: EdgeOptions): EdgeHandler {
  const { routes, headers, guard, bodyLimit, accessLog, logger } = options;
  const dropForwarding = options.trustProxyHops === 0;
  const table = routeTable(routes, logger);

  const serve = (req: IncomingMessage, res: ServerResponse, id: string, path: string, policy: string, matched: Matched): void => {
    if (isAmbiguousPolicyPath(policy)) {
      accessLog.track(req, res, id, path, UNMATCHED);
      if (headers.apply(req, res)) return;
      answerError(logger, req, res, new AppError('not_found', 'No route for this path.'), id);
      return;
    }
    accessLog.track(req, res, id, path, matched.label);
    if (headers.apply(req, res)) return;
    stripIdentityHeaders(req);
    if (dropForwarding) dropForwardingHeaders(req);
    req.headers['x-request-id'] = id;
    const { upstream } = matched.route;
    const refused = bodyLimit(req, res, matched.overflow);
    if (refused) return answerError(logger, req, res, refused, id);
    const decision = guard.authorize(req, policy);
    if (decision === undefined) return upstream.forward(req, res);
    decision.then(
      () => upstream.forward(req, res),
      (error: unknown) => answerError(logger, req, res, error, id),
    );
  };

  return (req, res) => {
    const path = targetPath(req.url ?? '');
    if (path === undefined) return false;
    const policy = policyPath(path);
    const matched = matchRoute(table, policy);
    if (!matched) return false;
    const id = requestId(req, res);
    try {
      serve(req, res, id, path, policy, matched);
    } catch (error) {
      // What Express does for a handler that throws: a bug is answered, not a crash.
      answerError(logger, req, res, error, id);
    }
    return true;
  };
}
