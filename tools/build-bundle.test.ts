import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { DEFERRED_MODULES, deferModulesPlugin } from "./build-bundle.js";
import { loadDeferredModules } from "../sidecar/runtime/deferred-modules.js";

const require = createRequire(import.meta.url);
const expressRequire = createRequire(require.resolve("express"));

// The bundle test comes first: the names check loads the real modules into this worker.
describe("deferred modules of the shipped bundle", () => {
  // Inside the repository (.tmp/ is ignored), so the bundle's external requires find node_modules.
  const repoTmp = path.resolve(path.dirname(require.resolve("express/package.json")), "../../.tmp");
  mkdirSync(repoTmp, { recursive: true });
  const dir = mkdtempSync(path.join(repoTmp, "bundle-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are loaded on first use or by loadDeferredModules, and behave as the real ones", async () => {
    const entry = path.join(dir, "entry.mjs");
    writeFileSync(entry, 'import express from "express";\nexport default express;\n');
    await build({
      entryPoints: [entry], bundle: true, platform: "node", format: "esm", outdir: path.join(dir, "out"), logLevel: "silent",
      external: ["mime-db", "iconv-lite"],
      plugins: [deferModulesPlugin()],
      banner: { js: 'import { createRequire as __r } from "node:module"; const require = __r(import.meta.url);' },
    });
    const mimeDbLoaded = () => Object.keys(require.cache).some((k) => k.includes(`${path.sep}mime-db${path.sep}`));
    expect(mimeDbLoaded(), "mime-db already loaded in this worker: the check below would prove nothing").toBe(false);

    const express = ((await import(pathToFileURL(path.join(dir, "out", "entry.js")).href)) as { default: typeof import("express") }).default;
    // express is loaded; mime-types (which loads mime-db) is not yet.
    expect(mimeDbLoaded()).toBe(false);

    const app = express();
    app.set("query parser", "extended");
    app.post("/echo", express.json(), (req, res) => {
      res.type("json").send(JSON.stringify({ body: req.body as unknown, query: req.query }));
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await fetch(`http://127.0.0.1:${port}/echo?a[b]=1`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"x":1}' });
      expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(await r.json()).toEqual({ body: { x: 1 }, query: { a: { b: "1" } } });
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(mimeDbLoaded()).toBe(true);
    // One loader per deferred module the bundle reached; running them again is harmless.
    expect(loadDeferredModules()).toBe(Object.keys(DEFERRED_MODULES).length);
  });

  it("forward exactly the names the installed versions export", () => {
    for (const [name, spec] of Object.entries(DEFERRED_MODULES)) {
      // Resolved as express resolves it: that is the copy the bundle shims.
      const real = expressRequire(name) as Record<string, unknown>;
      expect([...spec.functions, ...spec.values].sort(), name).toEqual(Object.keys(real).sort());
      for (const f of spec.functions) expect(typeof real[f], `${name}.${f}`).toBe("function");
    }
  });
});
