/**
 * graftcode-runtime: the platform-neutral core (no transports registered). Import
 * `graftcode-runtime` instead: it picks the Node or browser entry point, which registers them.
 */
export {
  Client,
  RemoteInstance,
  type CallOptions,
  type ErrorSpec,
  type InstanceHandle,
  type MemberSpec,
  type ModuleBinding,
  type ParamSpec,
} from "./client.js";
export {
  resolveOptions,
  envPrefix,
  DEFAULTS,
  type ClientOptions,
  type ResolvedOptions,
  type TlsOptions,
  type TransportName,
} from "./config.js";
export {
  AGENT,
  Connection,
  type CallSpec,
  type InvokeOptions,
  type StreamHooks,
} from "./connection.js";
export { DEFAULT_WINDOW, type RemoteStream } from "./stream.js";
export {
  parseEndpoint,
  InvalidURL,
  DEFAULT_WS_PORT,
  type Endpoint,
  type TransportKind,
} from "./endpoint.js";
export {
  Cancelled,
  ConnectionLost,
  DeadlineExceeded,
  GraftError,
  ProtocolError,
  RemoteError,
  StatusCode,
  statusName,
  type RemoteErrorInfo,
} from "./errors.js";
export {
  decode,
  encode,
  Float64,
  WireExt,
  WireMap,
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  type ExtensionReaders,
} from "./msgpack.js";
export { intercept, type CallContext, type ClientInterceptor } from "./interceptors.js";
export {
  DEFAULT_RETRY,
  RetryBudget,
  Retrier,
  retryable,
  retryPolicy,
  runWithRetry,
  type RetryPolicy,
} from "./retry.js";
export * as protocol from "./protocol.js";
export { FrameReader, frame } from "./framing.js";
export { InstanceRef } from "./protocol.js";
export {
  registerTransport,
  transportFor,
  type Transport,
  type TransportFactory,
  type TransportHandlers,
  type TransportOptions,
} from "./transport.js";
export {
  fromWire,
  t,
  toWire,
  type Duration,
  type FieldDesc,
  type InstanceCodec,
  type PrimitiveKind,
  type TypeDesc,
} from "./types.js";
