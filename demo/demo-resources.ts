// The demo's resources: the seed's component names on the embedded default,
// and the seed's resiliency.yaml exactly as written.
export function demoComponentsYaml(dbFile: string): string {
  return `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: orders-store
spec:
  type: state.sqlite
  version: v1
  metadata:
    - name: connectionString
      value: "${dbFile}"
    - name: actorStateStore
      value: "true"
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: order-pubsub
spec:
  type: pubsub.in-memory
  version: v1
  metadata: []
`;
}

export const seedResiliencyYaml = `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: app-resiliency
spec:
  policies:
    timeouts:
      general: 5s
      important: 30s

    retries:
      pubsubRetry:
        policy: exponential
        maxInterval: 10s
        maxRetries: 5

      serviceRetry:
        policy: constant
        duration: 1s
        maxRetries: 3

    circuitBreakers:
      paymentCircuitBreaker:
        maxRequests: 3
        interval: 10s
        timeout: 30s
        trip: consecutiveFailures >= 5

  targets:
    apps:
      payment-service:
        timeout: important
        retry: serviceRetry
        circuitBreaker: paymentCircuitBreaker

      inventory-service:
        timeout: general
        retry: serviceRetry

    components:
      order-pubsub:
        outbound:
          retry: pubsubRetry
`;
