import type { SidecarOptions } from "../runtime/flags.js";
import type { Logger } from "../log/logger.js";
import type { AppChannel } from "./app-channel.js";
import { ConcurrencyLimiter } from "./concurrency-limiter.js";
import { GrpcAppChannel } from "./grpc-app-channel.js";
import { HttpAppChannel } from "./http-app-channel.js";

/** The app channel for `--app-protocol`, or undefined when the sidecar has no app port. */
export function createAppChannel(o: SidecarOptions, logger: Logger): AppChannel | undefined {
  if (o.appPort === undefined) return undefined;
  const limiter = new ConcurrencyLimiter(o.appMaxConcurrency);
  const log = logger.child("app-channel");
  const common = { host: o.appChannelAddress, port: o.appPort, appApiToken: o.appApiToken, limiter, logger: log };
  switch (o.appProtocol) {
    case "grpc":
    case "grpcs":
      return new GrpcAppChannel({ ...common, tls: o.appProtocol === "grpcs" });
    default:
      return new HttpAppChannel({ ...common, appId: o.appId, tls: o.appProtocol === "https", healthCheckPath: o.appHealthCheckPath });
  }
}
