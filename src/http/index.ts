export {
  HttpEndpoint,
  sendJson,
  type HttpEndpointOptions,
  type HttpHandler,
  type HttpMethod,
  type HttpRequestContext,
  type RouteOptions,
} from './HttpEndpoint';
export { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, type HttpOptions } from './HttpOptions';
export type { PartitionReadiness, Readiness } from './Readiness';
