import type { SpacelogMetricsRegistry } from '../ops/metrics/createMetricsRegistry';
import { sendJson, type HttpEndpoint } from './HttpEndpoint';
import type { Readiness } from './Readiness';

/** What the operations routes read. */
export interface OperationsRoutesSource {
  readonly registry: SpacelogMetricsRegistry;
  readiness(): Readiness;
}

/**
 * Mounts `/metrics` (Prometheus text exposition), `/healthz` (200 while the process answers; open on
 * loopback even with security on, for a local supervisor) and `/readyz` (200 when every partition
 * assigned here serves, else 503; both with a JSON body naming each assigned partition's role).
 * Returns the function that unmounts them.
 */
export function mountOperationsRoutes(endpoint: HttpEndpoint, source: OperationsRoutesSource): () => void {
  const unmount = [
    endpoint.route('GET', '/metrics', async (_request, response) => {
      const text = await source.registry.text();
      response.writeHead(200, {
        'content-type': source.registry.contentType,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      response.end(text);
    }),
    endpoint.route(
      'GET',
      '/healthz',
      (_request, response) => sendJson(response, 200, { status: 'ok', uptimeSeconds: process.uptime() }),
      { open: 'loopback' },
    ),
    endpoint.route('GET', '/readyz', (_request, response) => {
      const readiness = source.readiness();
      sendJson(response, readiness.ready ? 200 : 503, readiness);
    }),
  ];
  return () => unmount.forEach((u) => u());
}
