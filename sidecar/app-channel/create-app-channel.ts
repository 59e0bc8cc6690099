import type { SidecarOptions } from "../runtime/flags.js";
import type { Logger } from "../log/logger.js";
import type { AppChannel } from "./app-channel.js";
import { ConcurrencyLimiter } from "./concurrency-limiter.js";

/** The app channel for `--app-protocol`, or undefined when the sidecar has no app port. */
export async function createAppChannel(o: SidecarOptions, logger: Logger): Promise<AppChannel | undefined> {
  if (o.appPort === undefined) return undefined;
  const limiter = new ConcurrencyLimiter(o.appMaxConcurrency);
  const log = logger.child("app-channel");
  const common = { host: o.appChannelAddress, port: o.appPort, appApiToken: o.appApiToken, limiter, logger: log };
  switch (o.appProtocol) {
    case "grpc":
    case "grpcs": {
      const { GrpcAppChannel } = await import("./grpc-app-channel.js");
      return new GrpcAppChannel({ ...common, tls: o.appProtocol === "grpcs" });
    }
    default: {
      // Loaded on demand: a sidecar without an HTTP app does not need the HTTP client.
      const { HttpAppChannel } = await import("./http-app-channel.js");
      return new HttpAppChannel({ ...common, appId: o.appId, tls: o.appProtocol === "https", healthCheckPath: o.appHealthCheckPath });
    }
  }
}
