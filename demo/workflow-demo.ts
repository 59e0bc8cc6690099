// The seed's order_processing_workflow, written with the official SDK exactly
// as an app for Dapr would be: WorkflowRuntime registers the workflow and its
// activities, DaprWorkflowClient starts orders and waits for them. Steps:
// validate, reserve inventory, process payment, ship, notify; a failed payment
// is compensated (the reservation is released) and the order is cancelled.
//
//   runWorkflowDemo(log, { grpc: <sidecar gRPC port> })   -- from `make demo`
//   npx tsx demo/workflow-demo.ts                          -- standalone: starts its own sidecar
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DaprWorkflowClient, LogLevel, WorkflowRuntime, WorkflowRuntimeStatus, type WorkflowActivityContext, type WorkflowContext } from "@dapr/dapr";

export interface WorkflowDemoPorts {
  /** The gRPC API port of a sidecar whose resources include an actor state store. */
  grpc: number;
}

interface Order {
  order_id: string;
  customer_id: string;
  product_id: string;
  quantity: number;
  total: number;
}

interface OrderResult {
  order_id: string;
  status: "completed" | "rejected" | "cancelled";
  reason?: string;
  tracking_number?: string;
}

/** The seed's services, in memory: stock per product, customers whose payments are declined. */
function services(log: (line: string) => void) {
  const stock: Record<string, number> = { "prod-1": 10, "prod-2": 0 };
  const declined = new Set(["cust-declined"]);
  const say = (line: string) => log(`   [activity] ${line}`);

  const validateOrder = async (_: WorkflowActivityContext, o: Order) => {
    const ok = o.quantity > 0 && o.total > 0 && (stock[o.product_id] ?? 0) >= o.quantity;
    say(`validate_order ${o.order_id}: ${ok ? "valid" : "insufficient stock or invalid order"}`);
    return ok;
  };
  const reserveInventory = async (_: WorkflowActivityContext, o: Order) => {
    stock[o.product_id] = (stock[o.product_id] ?? 0) - o.quantity;
    say(`reserve_inventory ${o.order_id}: ${o.quantity} x ${o.product_id} (left: ${stock[o.product_id]})`);
    return { reservation_id: `res-${o.order_id}` };
  };
  const processPayment = async (_: WorkflowActivityContext, o: Order) => {
    if (declined.has(o.customer_id)) {
      say(`process_payment ${o.order_id}: declined for ${o.customer_id}`);
      throw new Error(`payment declined for customer ${o.customer_id}`);
    }
    say(`process_payment ${o.order_id}: charged ${o.total}`);
    return { payment_id: `pay-${o.order_id}` };
  };
  const releaseInventory = async (_: WorkflowActivityContext, o: Order) => {
    stock[o.product_id] = (stock[o.product_id] ?? 0) + o.quantity;
    say(`release_inventory ${o.order_id} (compensation): ${o.quantity} x ${o.product_id} back (left: ${stock[o.product_id]})`);
    return true;
  };
  const shipOrder = async (_: WorkflowActivityContext, o: Order) => {
    say(`ship_order ${o.order_id}`);
    return `trk-${o.order_id}`;
  };
  const notifyCustomer = async (_: WorkflowActivityContext, n: { customer_id: string; message: string }) => {
    say(`notify_customer ${n.customer_id}: ${n.message}`);
    return true;
  };
  return { validateOrder, reserveInventory, processPayment, releaseInventory, shipOrder, notifyCustomer };
}

function orderProcessingWorkflow(a: ReturnType<typeof services>) {
  return async function* (ctx: WorkflowContext, order: Order): any {
    ctx.setCustomStatus("validating");
    const valid: boolean = yield ctx.callActivity(a.validateOrder, order);
    if (!valid) {
      yield ctx.callActivity(a.notifyCustomer, { customer_id: order.customer_id, message: `order ${order.order_id} rejected` });
      return { order_id: order.order_id, status: "rejected", reason: "validation failed" } satisfies OrderResult;
    }
    ctx.setCustomStatus("reserving inventory");
    yield ctx.callActivity(a.reserveInventory, order);
    ctx.setCustomStatus("processing payment");
    try {
      yield ctx.callActivity(a.processPayment, order);
    } catch (err) {
      // Compensation: undo the reservation, tell the customer, end as cancelled.
      ctx.setCustomStatus("compensating");
      yield ctx.callActivity(a.releaseInventory, order);
      yield ctx.callActivity(a.notifyCustomer, { customer_id: order.customer_id, message: `order ${order.order_id} cancelled: payment failed` });
      return { order_id: order.order_id, status: "cancelled", reason: (err as Error).message } satisfies OrderResult;
    }
    ctx.setCustomStatus("shipping");
    const tracking: string = yield ctx.callActivity(a.shipOrder, order);
    yield ctx.callActivity(a.notifyCustomer, { customer_id: order.customer_id, message: `order ${order.order_id} shipped (${tracking})` });
    ctx.setCustomStatus("done");
    return { order_id: order.order_id, status: "completed", tracking_number: tracking } satisfies OrderResult;
  };
}

/** Runs three orders through order_processing_workflow: one ships, one is rejected, one is compensated. */
export async function runWorkflowDemo(log: (line: string) => void, ports: WorkflowDemoPorts): Promise<OrderResult[]> {
  const opts = { daprHost: "127.0.0.1", daprPort: String(ports.grpc), logger: { level: LogLevel.Error } };
  const acts = services(log);
  const runtime = new WorkflowRuntime(opts).registerWorkflowWithName("order_processing_workflow", orderProcessingWorkflow(acts));
  for (const [name, fn] of Object.entries(acts)) runtime.registerActivityWithName(name, fn as never);
  const client = new DaprWorkflowClient(opts);
  // The SDK's internal durabletask loggers print every work item at info level; keep the demo readable.
  // (console.error too: the declined payment is expected, its stack trace is noise here.)
  const saved = { info: console.info, log: console.log, warn: console.warn, error: console.error };
  console.info = console.log = console.warn = console.error = () => {};
  const results: OrderResult[] = [];
  try {
    log("\n== order_processing_workflow (Dapr workflows, official SDK) ==");
    await runtime.start();
    const base = { customer_id: "cust-456", product_id: "prod-1", quantity: 2, total: 99.99 };
    const orders: Order[] = [
      { ...base, order_id: "wf-ord-1" },
      { ...base, order_id: "wf-ord-2", product_id: "prod-2" },
      { ...base, order_id: "wf-ord-3", customer_id: "cust-declined" },
    ];
    for (const order of orders) {
      const id = await client.scheduleNewWorkflow("order_processing_workflow", order, `${order.order_id}-${Date.now().toString(36)}`);
      log(`   started ${order.order_id} as workflow instance ${id}`);
      const state = await client.waitForWorkflowCompletion(id, true, 60);
      if (state?.runtimeStatus !== WorkflowRuntimeStatus.COMPLETED) {
        throw new Error(`workflow ${id} ended as ${state ? WorkflowRuntimeStatus[state.runtimeStatus] : "missing"}: ${state?.workflowFailureDetails?.getErrorMessage() ?? ""}`);
      }
      const result = JSON.parse(state.serializedOutput!) as OrderResult;
      results.push(result);
      log(`   ${order.order_id} -> ${JSON.stringify(result)} (custom status: ${state.customStatus})`);
    }
    return results;
  } finally {
    await runtime.stop().catch(() => {});
    await client.stop().catch(() => {});
    Object.assign(console, saved);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { startSidecar } = await import("../test/support/sidecar-process.js");
  const sc = await startSidecar({ appId: "order-service" });
  const log = (line: string) => process.stdout.write(line + "\n");
  runWorkflowDemo(log, { grpc: sc.grpcPort }).then(
    async () => { await sc.stop(); process.exit(0); },
    async (err) => { log(String(err)); log(sc.logs()); await sc.stop(); process.exit(1); },
  );
}
