// Dapr's gRPC server metrics (OpenCensus ocgrpc views, exported as
// dapr_grpc_io_server_*): completed RPCs by method and status, server latency,
// and bytes received/sent per RPC. Method labels are full gRPC paths
// ("/dapr.proto.runtime.v1.Dapr/GetState") as Dapr reports them.
// Every call updates four of these, so each wrapper holds its method's series
// (fast-metrics.ts) instead of passing label objects to prom-client per call.
import * as grpc from "@grpc/grpc-js";
import { FastCounter, FastHistogram, type CounterSeries } from "../../metrics/fast-metrics.js";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";

const completedRpcs = new FastCounter({
  name: "dapr_grpc_io_server_completed_rpcs",
  help: "Count of RPCs by method and status.",
  labelNames: ["app_id", "grpc_server_method", "grpc_server_status"],
  registers: [metricsRegistry],
});
const serverLatency = new FastHistogram({
  name: "dapr_grpc_io_server_server_latency",
  help: "Distribution of server latency in milliseconds, by method.",
  labelNames: ["app_id", "grpc_server_method"],
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
const sizeBuckets = [1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824];
const receivedBytes = new FastHistogram({
  name: "dapr_grpc_io_server_received_bytes_per_rpc",
  help: "Distribution of received bytes per RPC, by method.",
  labelNames: ["app_id", "grpc_server_method"],
  buckets: sizeBuckets,
  registers: [metricsRegistry],
});
const sentBytes = new FastHistogram({
  name: "dapr_grpc_io_server_sent_bytes_per_rpc",
  help: "Distribution of total sent bytes per RPC, by method.",
  labelNames: ["app_id", "grpc_server_method"],
  buckets: sizeBuckets,
  registers: [metricsRegistry],
});

const DAPR_SERVICE = "dapr.proto.runtime.v1.Dapr";

/** "GetState" -> "/dapr.proto.runtime.v1.Dapr/GetState"; a full path is kept as is. */
export function grpcMethodLabel(rpcName: string): string {
  return rpcName.startsWith("/") ? rpcName : `/${DAPR_SERVICE}/${rpcName}`;
}

/**
 * Wraps one handler (any call type) to count it when it completes, by final
 * status, and to time it. `rpcName` is a bare Dapr RPC name or a full method path.
 */
export function withGrpcMetrics(rpcName: string, handler: grpc.UntypedHandleCall, appId: string): grpc.UntypedHandleCall {
  const method = grpcMethodLabel(rpcName);
  const latency = serverLatency.series({ app_id: appId, grpc_server_method: method });
  const completed = new Map<grpc.status, CounterSeries>();
  const done = (start: number, code: grpc.status) => {
    let counter = completed.get(code);
    if (!counter) {
      counter = completedRpcs.series({ app_id: appId, grpc_server_method: method, grpc_server_status: grpc.status[code] ?? String(code) });
      completed.set(code, counter);
    }
    counter.inc();
    latency.observe(performance.now() - start);
  };
  type Callback = (err: grpc.ServiceError | null, value?: unknown, trailer?: grpc.Metadata, flags?: number) => void;
  return ((call: any, callback?: Callback) => {
    const start = performance.now();
    if (typeof callback === "function") {
      // Unary and client-streaming: the callback carries the outcome.
      return (handler as any)(call, (err: grpc.ServiceError | null, value?: unknown, trailer?: grpc.Metadata, flags?: number) => {
        done(start, err ? (err.code ?? grpc.status.UNKNOWN) : grpc.status.OK);
        callback(err, value, trailer, flags);
      });
    }
    // Server-streaming and bidi: the stream ends with end() (OK), an error, or a cancel.
    let recorded = false;
    const once = (code: grpc.status) => {
      if (recorded) return;
      recorded = true;
      done(start, code);
    };
    const origEmit = call.emit.bind(call);
    call.emit = (event: string, ...args: any[]) => {
      if (event === "error") once((args[0] as grpc.ServiceError | undefined)?.code ?? grpc.status.UNKNOWN);
      return origEmit(event, ...args);
    };
    const origEnd = call.end?.bind(call);
    if (origEnd) {
      call.end = (...args: unknown[]) => {
        once(grpc.status.OK);
        return origEnd(...args);
      };
    }
    call.on?.("cancelled", () => once(grpc.status.CANCELLED));
    return (handler as any)(call);
  }) as grpc.UntypedHandleCall;
}

/**
 * A copy of `service` whose (de)serializers record bytes received and sent per
 * message, by method. Sizes are only known where the bytes are, hence here and
 * not in the handler wrapper.
 */
export function withMessageSizeMetrics(service: grpc.ServiceDefinition, appId: string): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [rpc, def] of Object.entries(service) as [string, grpc.MethodDefinition<unknown, unknown>][]) {
    const labels = { app_id: appId, grpc_server_method: def.path };
    const received = receivedBytes.series(labels);
    const sent = sentBytes.series(labels);
    out[rpc] = {
      ...def,
      requestDeserialize: (bytes: Buffer) => {
        received.observe(bytes.length);
        return def.requestDeserialize(bytes);
      },
      responseSerialize: (value: unknown) => {
        const bytes = def.responseSerialize(value);
        sent.observe(bytes.length);
        return bytes;
      },
    };
  }
  return out;
}
