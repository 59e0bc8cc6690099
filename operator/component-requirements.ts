// The component types dapr-ts ships, with their versions and the metadata each
// cannot start without (per Dapr's component reference pages). The operator
// checks Components against this table instead of importing the sidecar's
// registries, which would load every driver (ioredis, pg, amqplib, mqtt, nats)
// into the operator process; `component-requirements.test.ts` keeps the table
// in step with those registries.
//
// `required` is a list of groups: every group must be satisfied, and a group
// is satisfied by any one of its names (e.g. RabbitMQ takes `connectionString`
// or `host`).
export interface ComponentRequirement {
  versions: string[];
  required: string[][];
}

const v1 = ["v1"];

export const componentRequirements: Readonly<Record<string, ComponentRequirement>> = {
  "state.in-memory": { versions: v1, required: [] },
  "state.redis": { versions: v1, required: [["redisHost"]] },
  "state.sqlite": { versions: v1, required: [["connectionString"]] },
  "state.sqlite3": { versions: v1, required: [["connectionString"]] },
  "state.postgresql": { versions: ["v1", "v2"], required: [["connectionString", "host"]] },
  "state.postgres": { versions: ["v1", "v2"], required: [["connectionString", "host"]] },
  "pubsub.in-memory": { versions: v1, required: [] },
  "pubsub.redis": { versions: v1, required: [["redisHost"]] },
  "pubsub.rabbitmq": { versions: v1, required: [["connectionString", "host"]] },
  "pubsub.mqtt3": { versions: v1, required: [["url"]] },
  "pubsub.mqtt": { versions: v1, required: [["url"]] },
  "pubsub.jetstream": { versions: v1, required: [["natsURL"]] },
  "bindings.cron": { versions: v1, required: [["schedule"]] },
  "bindings.http": { versions: v1, required: [["url"]] },
  "bindings.redis": { versions: v1, required: [["redisHost"]] },
  "bindings.postgresql": { versions: v1, required: [["connectionString"]] },
  "bindings.postgres": { versions: v1, required: [["connectionString"]] },
  "bindings.rabbitmq": { versions: v1, required: [["queueName"], ["host", "connectionString"]] },
  "bindings.mqtt3": { versions: v1, required: [["url"], ["topic"]] },
  "secretstores.local.file": { versions: v1, required: [["secretsFile"]] },
  "secretstores.local.env": { versions: v1, required: [] },
  "secretstores.kubernetes": { versions: v1, required: [] },
  "configuration.redis": { versions: v1, required: [["redisHost"]] },
  "configuration.postgresql": { versions: v1, required: [["connectionString"], ["table"]] },
  "configuration.postgres": { versions: v1, required: [["connectionString"], ["table"]] },
  "lock.redis": { versions: v1, required: [["redisHost"]] },
  "lock.in-memory": { versions: v1, required: [] },
};

export function knownComponentTypes(): string[] {
  return Object.keys(componentRequirements).sort();
}
