// The public API of poc-rabbitmq-rpc: a client (direct reply-to, correlation ids, timeouts, retries) and a
// server (manual acks, prefetch). Nothing connects at import. The naive clients are behind the subpath
// 'poc-rabbitmq-rpc/naive'.
export {
  rpcClient,
  rpcServer,
  DIRECT_REPLY_TO,
  ERROR_HEADER,
  type RpcClient,
  type RpcClientOptions,
  type CallOptions,
  type ClientStats,
  type RpcServer,
  type RpcServerOptions,
  type RequestInfo,
} from './rpc.ts';
export {
  RpcError,
  RpcArgumentError,
  RpcTimeoutError,
  RpcRemoteError,
  RpcServiceError,
  isRpcError,
  type AnyRpcError,
  type RpcErrorCode,
} from './errors.ts';
