// The operator's table of component types must match what the sidecar can
// actually load: a type the operator calls Ready must start in daprd, and a
// type daprd ships must not be refused by the operator.
import { describe, expect, it } from "vitest";
import { inputBindingRegistry, outputBindingRegistry } from "../sidecar/components/bindings/index.js";
import { configurationRegistry } from "../sidecar/components/configuration/index.js";
import { lockRegistry } from "../sidecar/components/lock/index.js";
import { pubsubRegistry } from "../sidecar/components/pubsub/index.js";
import { secretStoreRegistry } from "../sidecar/components/secretstores/index.js";
import { stateRegistry } from "../sidecar/components/state/index.js";
import { knownComponentTypes } from "./component-requirements.js";

describe("componentRequirements", () => {
  it("lists exactly the types registered in the sidecar's registries", () => {
    const registered = new Set(
      [stateRegistry, pubsubRegistry, inputBindingRegistry, outputBindingRegistry, secretStoreRegistry, configurationRegistry, lockRegistry].flatMap((r) => r.knownTypes()),
    );
    expect(knownComponentTypes()).toEqual([...registered].sort());
  });
});
