// The official SDK's DaprServer receiving invocations, as an HTTP app and as a
// gRPC app, called by another app's sidecar through DaprClient.
import { CommunicationProtocolEnum, DaprClient, DaprServer, HttpMethod } from "@dapr/dapr";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, uniqueName } from "../support/services.js";

const quiet = { level: 0 as never };

for (const appProtocol of [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC]) {
  const label = appProtocol === CommunicationProtocolEnum.HTTP ? "HTTP" : "gRPC";
  describe(`DaprServer as a ${label} app receives invocations`, () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-sdkinv-"));
    const calleeId = uniqueName("payment-service");
    let calleeSidecar: SidecarProcess;
    let callerSidecar: SidecarProcess;
    let server: DaprServer;

    beforeAll(async () => {
      const appPort = await freePort();
      calleeSidecar = await startSidecar({
        appId: calleeId, env: { DAPR_TS_HOME: home }, waitReady: false,
        args: ["--app-port", String(appPort), "--app-protocol", label.toLowerCase()],
      });
      server = new DaprServer({
        serverHost: "127.0.0.1", serverPort: String(appPort), communicationProtocol: appProtocol, logger: quiet,
        clientOptions: { daprHost: "127.0.0.1", daprPort: String(appProtocol === CommunicationProtocolEnum.HTTP ? calleeSidecar.httpPort : calleeSidecar.grpcPort), communicationProtocol: appProtocol, logger: quiet },
      });
      await server.invoker.listen("process-payment", async ({ body }: { body?: string }) => {
        const req = typeof body === "string" ? JSON.parse(body) : body;
        return { status: req.amount > 0 ? "success" : "declined", amount: req.amount };
      }, { method: HttpMethod.POST });
      await server.start();
      await calleeSidecar.ready();
      callerSidecar = await startSidecar({ appId: uniqueName("orders"), env: { DAPR_TS_HOME: home } });
    });
    afterAll(async () => {
      await callerSidecar?.stop();
      await calleeSidecar?.stop();
      await server?.stop().catch(() => {});
    });

    for (const clientProtocol of [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC]) {
      it(`answers a DaprClient calling over ${clientProtocol === CommunicationProtocolEnum.HTTP ? "HTTP" : "gRPC"}`, async () => {
        const client = new DaprClient({
          daprHost: "127.0.0.1", communicationProtocol: clientProtocol, logger: quiet,
          daprPort: String(clientProtocol === CommunicationProtocolEnum.HTTP ? callerSidecar.httpPort : callerSidecar.grpcPort),
        });
        const res = await client.invoker.invoke(calleeId, "process-payment", HttpMethod.POST, { amount: 99.99, customer_id: "cust-456" });
        expect(res).toMatchObject({ status: "success", amount: 99.99 });
      });
    }
  });
}
