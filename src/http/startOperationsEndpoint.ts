import {
  resolveServerSecurity,
  type ResolvedServerSecurity,
  type ServerSecurityOptions,
} from '../net/security/ServerSecurity';
import { SpacelogMetricsRegistry } from '../ops/metrics/createMetricsRegistry';
import type { MetricsSource } from '../ops/metrics/MetricsSnapshot';
import { HttpEndpoint } from './HttpEndpoint';
import { DEFAULT_HTTP_HOST, type HttpOptions } from './HttpOptions';
import { mountOperationsRoutes } from './mountOperationsRoutes';
import type { Readiness } from './Readiness';

/** A grid's or unit's HTTP endpoint with its operations routes, and the registry behind `/metrics`. */
export interface OperationsEndpoint {
  readonly endpoint: HttpEndpoint;
  readonly registry: SpacelogMetricsRegistry;
  /** The security the endpoint resolved (TLS, authentication, permissions), when it has any. */
  readonly security: ResolvedServerSecurity | undefined;
}

/**
 * Starts the HTTP endpoint of a grid or unit (`http` option) with `/metrics` over `source`, `/healthz`
 * and `/readyz`. `security` is the unit's server security (a grid has none): it decides TLS and
 * authentication, and a non-loopback `http.host` without TLS is refused unless it says `insecure`,
 * as for the unit's own port.
 * @internal
 */
export async function startOperationsEndpoint(
  http: HttpOptions,
  source: MetricsSource,
  readiness: () => Readiness,
  security?: ServerSecurityOptions,
): Promise<OperationsEndpoint> {
  const host = http.host ?? DEFAULT_HTTP_HOST;
  const resolved = resolveServerSecurity(security, host);
  const registry = new SpacelogMetricsRegistry([source]);
  const endpoint = await HttpEndpoint.listenResolved({
    host,
    ...(http.port !== undefined ? { port: http.port } : {}),
    security: resolved,
  });
  mountOperationsRoutes(endpoint, { registry, readiness });
  return { endpoint, registry, security: resolved };
}
