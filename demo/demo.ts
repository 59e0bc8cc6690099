// `make demo`: the seed's order-processing scenario on the embedded default
// (SQLite state, in-memory pub/sub; no Docker, no servers). Three services,
// each with its own sidecar, under the seed's resiliency.yaml; the order
// service uses the official SDK exactly as an app written for Dapr would.
import { CommunicationProtocolEnum, DaprClient, HttpMethod } from "@dapr/dapr";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startSidecar, type SidecarProcess } from "../test/support/sidecar-process.js";
import { seedResiliencyYaml, demoComponentsYaml } from "./demo-resources.js";
import { inventoryService, orderEventsSubscriber, paymentService, type RunningApp } from "./seed-apps.js";
import { OrderRepository } from "./order-repository.js";
import { runWorkflowDemo } from "./workflow-demo.js";

const log = (line: string) => process.stdout.write(line + "\n");

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-demo-"));
  const resources = path.join(home, "resources");
  mkdirSync(resources);
  writeFileSync(path.join(resources, "components.yaml"), demoComponentsYaml(path.join(home, "orders.db")));
  writeFileSync(path.join(resources, "resiliency.yaml"), seedResiliencyYaml);
  const env = { DAPR_TS_HOME: home };

  const apps: RunningApp[] = [];
  const sidecars: SidecarProcess[] = [];
  try {
    log("== starting the seed's services, each with its own dapr-ts sidecar ==");
    const inventory = await inventoryService({ "prod-1": 10, "prod-2": 0 });
    const payment = await paymentService(new Set(["cust-declined"]));
    const received: string[] = [];
    const orders = await orderEventsSubscriber((e) => {
      received.push(`${e.order_id}:${e.event_type}`);
      log(`   [order-service subscriber] ${e.event_type.replace("order_", "Order ")}: ${e.order_id}`);
    });
    apps.push(inventory, payment, orders);
    for (const [appId, app] of [["inventory-service", inventory], ["payment-service", payment], ["order-service", orders]] as const) {
      const sc = await startSidecar({ appId, resourcesPaths: [resources], args: ["--app-port", String(app.port)], env });
      sidecars.push(sc);
      log(`   ${appId}: app on :${app.port}, sidecar HTTP :${sc.httpPort} gRPC :${sc.grpcPort}`);
    }
    const orderSidecar = sidecars[2]!;
    const client = new DaprClient({
      daprHost: "127.0.0.1", daprPort: String(orderSidecar.httpPort),
      communicationProtocol: CommunicationProtocolEnum.HTTP, logger: { level: 0 as never },
    });

    log("\n== create_order: check stock, take payment, save, publish (service invocation + state + pub/sub) ==");
    const createOrder = async (order: Record<string, unknown>) => {
      const stock = (await client.invoker.invoke("inventory-service", "check-stock", HttpMethod.POST, { product_id: order["product_id"], quantity: order["quantity"] })) as { available: boolean };
      if (!stock.available) return { error: "Insufficient stock" };
      const pay = (await client.invoker.invoke("payment-service", "process-payment", HttpMethod.POST, { amount: order["total"], customer_id: order["customer_id"] })) as { status: string };
      if (pay.status !== "success") return { error: "Payment failed" };
      await client.state.save("orders-store", [{ key: String(order["order_id"]), value: order }]);
      for (const event_type of ["order_created", "order_paid", "order_shipped"]) {
        await client.pubsub.publish("order-pubsub", "orders", { order_id: order["order_id"], event_type, data: order, timestamp: new Date().toISOString() }, { metadata: { ttlInSeconds: "3600" } });
      }
      return { status: "created", order_id: order["order_id"] };
    };
    const order = { order_id: "ord-123", customer_id: "cust-456", product_id: "prod-1", quantity: 2, total: 99.99, created_at: new Date().toISOString() };
    log(`   ord-123 -> ${JSON.stringify(await createOrder(order))}`);
    log(`   ord-124 -> ${JSON.stringify(await createOrder({ ...order, order_id: "ord-124", product_id: "prod-2" }))}`);
    log(`   ord-125 -> ${JSON.stringify(await createOrder({ ...order, order_id: "ord-125", customer_id: "cust-declined" }))}`);
    const deadline = Date.now() + 5000;
    while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    log("\n== OrderRepository (state management) ==");
    const repo = new OrderRepository(client, "orders-store");
    await repo.saveOrder("ord-200", { order_id: "ord-200", customer_id: "cust-456", total: 20, created_at: "2026-01-02T00:00:00Z" });
    log(`   save_order(ord-200) with first-write concurrency and strong consistency: ok`);
    log(`   get_order(ord-200) -> ${JSON.stringify(await repo.getOrder("ord-200"))}`);
    await repo.bulkSave([
      { order_id: "ord-201", customer_id: "cust-456", total: 31, created_at: "2026-01-03T00:00:00Z" },
      { order_id: "ord-202", customer_id: "cust-789", total: 12, created_at: "2026-01-01T00:00:00Z" },
    ]);
    log(`   bulk_save(ord-201, ord-202): ok`);
    const mine = await repo.queryOrders("cust-456");
    log(`   query_orders(cust-456), newest first -> ${mine === undefined ? "(the state store does not support the query API)" : mine.map((o) => o["order_id"]).join(", ")}`);
    await repo.deleteOrder("ord-200");
    log(`   delete_order(ord-200); get_order(ord-200) -> ${JSON.stringify(await repo.getOrder("ord-200"))}`);

    await runWorkflowDemo(log, { grpc: orderSidecar.grpcPort });

    log(`\n== done: ${received.length} order events delivered; state in ${path.join(home, "orders.db")} ==`);
  } finally {
    for (const sc of sidecars.reverse()) await sc.stop();
    for (const a of apps) await a.close();
    rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
