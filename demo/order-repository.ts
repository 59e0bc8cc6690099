// The seed's OrderRepository, written against the official SDK.
import { DaprClient, StateConcurrencyEnum, StateConsistencyEnum } from "@dapr/dapr";

export type Order = Record<string, unknown>;

export class OrderRepository {
  constructor(private readonly client: DaprClient, private readonly storeName = "orders-store") {}

  async saveOrder(orderId: string, order: Order): Promise<void> {
    const res = await this.client.state.save(
      this.storeName,
      [{ key: orderId, value: order, metadata: { contentType: "application/json" }, options: { consistency: StateConsistencyEnum.CONSISTENCY_STRONG, concurrency: StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE } }],
    );
    if (res.error) throw res.error;
  }

  async getOrder(orderId: string): Promise<Order | null> {
    const v = await this.client.state.get(this.storeName, orderId);
    return v === "" || v === undefined ? null : (v as Order);
  }

  async deleteOrder(orderId: string): Promise<void> {
    const res = await this.client.state.delete(this.storeName, orderId);
    if (res.error) throw res.error;
  }

  async bulkSave(orders: Order[]): Promise<void> {
    const res = await this.client.state.save(this.storeName, orders.map((o) => ({ key: String(o["order_id"]), value: o })));
    if (res.error) throw res.error;
  }

  /** Orders of one customer, newest first; undefined when the store has no query API. */
  async queryOrders(customerId: string): Promise<Order[] | undefined> {
    try {
      const r = await this.client.state.query(this.storeName, {
        filter: { EQ: { customer_id: customerId } },
        sort: [{ key: "created_at", order: "DESC" }],
        page: { limit: 100 },
      } as never);
      return r.results.map((item) => item.data as Order);
    } catch (err) {
      if (/not support|ERR_STATE_STORE_NOT_SUPPORTED/i.test(String((err as Error).message))) return undefined;
      throw err;
    }
  }
}
