// The seed's three services as small HTTP apps: inventory answers stock checks,
// payment processes payments, and the order service subscribes to order events
// (GET /dapr/subscribe, CloudEvents) and prints them as they arrive.
import express from "express";
import type { Server } from "node:http";

export interface RunningApp {
  port: number;
  close(): Promise<void>;
}

function listen(app: express.Express): Promise<RunningApp> {
  return new Promise((resolve) => {
    const server: Server = app.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve({
        port: typeof a === "object" && a ? a.port : 0,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

export function inventoryService(stock: Record<string, number>): Promise<RunningApp> {
  const app = express();
  app.use(express.json());
  app.post("/check-stock", (req, res) => {
    const { product_id, quantity } = req.body as { product_id: string; quantity: number };
    res.json({ available: (stock[product_id] ?? 0) >= quantity });
  });
  return listen(app);
}

export function paymentService(declinedCustomers: Set<string>): Promise<RunningApp> {
  const app = express();
  app.use(express.json());
  app.post("/process-payment", (req, res) => {
    const { amount, customer_id } = req.body as { amount: number; customer_id: string };
    res.json({ status: declinedCustomers.has(customer_id) || amount <= 0 ? "declined" : "success" });
  });
  return listen(app);
}

export function orderEventsSubscriber(onEvent: (e: { order_id: string; event_type: string }) => void): Promise<RunningApp> {
  const app = express();
  app.use(express.json({ type: ["application/json", "application/cloudevents+json"] }));
  app.get("/dapr/subscribe", (_req, res) => {
    res.json([{ pubsubname: "order-pubsub", topic: "orders", route: "/orders/events", metadata: { rawPayload: "false" } }]);
  });
  app.post("/orders/events", (req, res) => {
    onEvent((req.body as { data: { order_id: string; event_type: string } }).data);
    res.json({ status: "SUCCESS" });
  });
  return listen(app);
}
