// The embedded default for one machine: with no resources path, a standalone
// sidecar gets Dapr's two default component names backed by what needs no
// server at all: `statestore` (SQLite in a file, also the actor state store)
// and `pubsub` (in memory).
import os from "node:os";
import path from "node:path";
import { mkdirSync } from "node:fs";
import type { ComponentResource, Sourced } from "./types.js";

export function embeddedDefaultComponents(env: NodeJS.ProcessEnv = process.env): Sourced<ComponentResource>[] {
  const home = env.DAPR_TS_HOME ?? path.join(env.HOME ?? os.homedir(), ".dapr-ts");
  mkdirSync(home, { recursive: true });
  const source = "embedded default";
  return [
    {
      source,
      resource: {
        apiVersion: "dapr.io/v1alpha1",
        kind: "Component",
        metadata: { name: "statestore" },
        spec: {
          type: "state.sqlite",
          version: "v1",
          metadata: [
            { name: "connectionString", value: path.join(home, "state.db") },
            { name: "actorStateStore", value: "true" },
            // A sidecar that never uses state does not load SQLite (sqlite-metadata.ts).
            { name: "openOnFirstUse", value: "true" },
          ],
        },
      },
    },
    {
      source,
      resource: {
        apiVersion: "dapr.io/v1alpha1",
        kind: "Component",
        metadata: { name: "pubsub" },
        spec: { type: "pubsub.in-memory", version: "v1", metadata: [] },
      },
    },
  ];
}
