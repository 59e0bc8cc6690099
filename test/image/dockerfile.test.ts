// The container image cannot be built here, so its Dockerfile is checked
// against the package instead: every COPY source exists (and is not hidden
// by .dockerignore), the compiled sources import nothing outside what is
// copied and no package that `npm prune --omit=dev` removes, the `dapr-ts`
// entry point is where package.json's "bin" and the chart expect it.
import { builtinModules } from "node:module";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/sidecar-process.js";
import { SIDECAR_START_FLAGS } from "../../cli/sidecar-heap.js";

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(full);
    if (!m) throw new Error(`cannot parse Dockerfile line: ${full}`);
    const op = m[1]!.toUpperCase();
    if (op === "FROM") stage++;
    out.push({ op, args: m[2]!, stage });
  }
  return out;
}

const dockerfile = parseDockerfile(readFileSync(path.join(repoRoot, "Dockerfile"), "utf8"));
const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
};
const ignored = readFileSync(path.join(repoRoot, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

function copies(stage: number, fromStage: boolean) {
  return dockerfile
    .filter((i) => i.op === "COPY" && i.stage === stage && i.args.startsWith("--from=") === fromStage)
    .map((i) => {
      const parts = i.args.replace(/^--from=\S+\s+/, "").split(/\s+/);
      return { sources: parts.slice(0, -1), dest: parts[parts.length - 1]! };
    });
}

/** The inline tsconfig the build stage writes and compiles. */
function imageTsconfig(): { extends: string; include: string[]; exclude: string[] } {
  const run = dockerfile.find((i) => i.op === "RUN" && i.args.includes("tsconfig.image.json"));
  if (!run) throw new Error("no RUN writes tsconfig.image.json");
  const m = /printf '([^']+)'/.exec(run.args);
  return JSON.parse(m![1]!) as never;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Import specifiers of a module, static and dynamic (type-only imports are erased and skipped). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']/gm)) specs.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]!);
  // Files located through a package at run time (e.g. .proto files) need the package too.
  for (const m of text.matchAll(/\brequire(?:\.resolve)?\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]!);
  return specs;
}

const packageName = (spec: string) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);

describe("Dockerfile", () => {
  it("is two stages on node:20-slim, matching the engines of package.json", () => {
    const froms = dockerfile.filter((i) => i.op === "FROM").map((i) => i.args);
    expect(froms).toEqual(["node:20-slim AS build", "node:20-slim"]);
    expect(pkg.engines.node).toMatch(/^>=20/);
  });

  it("copies only sources that exist and that .dockerignore lets through", () => {
    const sources = copies(0, false).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(3);
    for (const s of sources) {
      expect(existsSync(path.join(repoRoot, s)), `${s} exists`).toBe(true);
      expect(ignored.includes(s) || ignored.includes(s.replace(/\/$/, "")), `${s} not ignored`).toBe(false);
    }
  });

  it("compiles an inline tsconfig whose sources are all copied and import nothing outside them", () => {
    const tsconfig = imageTsconfig();
    const copied = new Set(copies(0, false).flatMap((c) => c.sources));
    expect(copied.has(tsconfig.extends.replace(/^\.\//, ""))).toBe(true);
    for (const dir of tsconfig.include) expect(copied.has(dir), `${dir} copied`).toBe(true);
    const roots = tsconfig.include.map((d) => path.join(repoRoot, d) + path.sep);
    const problems: string[] = [];
    for (const dir of tsconfig.include) {
      for (const file of sourceFiles(path.join(repoRoot, dir))) {
        for (const spec of importsOf(file)) {
          if (!spec.startsWith(".")) continue;
          const target = path.resolve(path.dirname(file), spec);
          if (!roots.some((r) => target.startsWith(r))) problems.push(`${path.relative(repoRoot, file)} imports ${spec}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("keeps every package the runtime imports: none of them is a devDependency that npm prune removes", () => {
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    for (const dir of imageTsconfig().include) {
      for (const file of sourceFiles(path.join(repoRoot, dir))) {
        for (const spec of importsOf(file)) {
          if (spec.startsWith(".") || spec.startsWith("node:") || builtins.has(spec)) continue;
          const name = packageName(spec);
          if (!(name in pkg.dependencies)) missing.add(`${name} (${path.relative(repoRoot, file)})`);
        }
      }
    }
    expect([...missing]).toEqual([]);
    const build = dockerfile.filter((i) => i.op === "RUN" && i.stage === 0).map((i) => i.args).join("\n");
    expect(build).toMatch(/npm ci/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it("starts node with the sidecar's start-up flags, as the launchers do", () => {
    const env = dockerfile.find((i) => i.op === "ENV" && i.stage === 1 && i.args.startsWith("NODE_OPTIONS="));
    expect(env?.args).toBe(`NODE_OPTIONS="${SIDECAR_START_FLAGS.join(" ")}"`);
  });

  it("puts dapr-ts on PATH where package.json's bin points, with the chart's command as entry point", () => {
    expect(pkg.bin["dapr-ts"]).toBe("dist/bundle/main.js");
    const workdir = dockerfile.filter((i) => i.op === "WORKDIR" && i.stage === 1).map((i) => i.args).pop();
    const link = dockerfile.find((i) => i.op === "RUN" && i.stage === 1 && i.args.includes("/usr/local/bin/dapr-ts"))!;
    expect(link.args).toContain(`${workdir}/${pkg.bin["dapr-ts"]}`);
    // What the link points at: the bundled CLI, built by the Makefile's bundle target (which makes it
    // executable) in the build stage before the dev dependencies go, copied with dist, with a shebang.
    expect(copies(1, true).some((c) => c.sources.includes("/src/dist") && c.dest === "./dist")).toBe(true);
    expect(dockerfile.some((i) => i.op === "RUN" && i.stage === 0 && /make bundle[\s\S]*npm prune/.test(i.args))).toBe(true);
    expect(copies(0, false).some((c) => c.sources.includes("Makefile"))).toBe(true);
    expect(readFileSync(path.join(repoRoot, "Makefile"), "utf8")).toMatch(/tools\/build-bundle\.ts[\s\S]*chmod \+x dist\/bundle\/main\.js/);
    expect(readFileSync(path.join(repoRoot, "tools/build-bundle.ts"), "utf8")).toMatch(/"dist\/bundle"/);
    expect(copies(0, false).some((c) => c.sources.includes("tools"))).toBe(true);
    expect(readFileSync(path.join(repoRoot, "cli/main.ts"), "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
    expect(existsSync(path.join(repoRoot, pkg.bin["dapr-ts"])), "make build produced the entry point").toBe(true);

    expect(dockerfile.find((i) => i.op === "ENTRYPOINT")?.args).toBe('["dapr-ts"]');
    const templates = path.join(repoRoot, "charts/dapr-ts/templates");
    const commands = readdirSync(templates).flatMap((f) => [...readFileSync(path.join(templates, f), "utf8").matchAll(/command:\s*\[\s*"([^"]+)"/g)].map((m) => m[1]));
    expect(commands.length).toBeGreaterThan(0);
    expect(new Set(commands)).toEqual(new Set(["dapr-ts"]));
    expect(readFileSync(path.join(repoRoot, "injector/patch/sidecar-patch-config.ts"), "utf8")).toMatch(/sidecarCommand: \["dapr-ts"\]/);
  });

  it("ships what the runtime reads from disk, and runs as a numeric non-root user", () => {
    // CRD schemas: findCrdsDir() walks up from dist/sidecar/resources to <workdir>/crds.
    expect(copies(1, true).some((c) => c.sources.includes("/src/crds") && c.dest === "./crds")).toBe(true);
    expect(copies(0, false).some((c) => c.sources.includes("crds"))).toBe(true);
    // The .proto files come from @dapr/dapr, a runtime dependency (kept by prune).
    expect(readFileSync(path.join(repoRoot, "sidecar/api/grpc/protos.ts"), "utf8")).toMatch(/@dapr\/dapr|daprProtoRoot/);
    expect(pkg.dependencies["@dapr/dapr"]).toBeDefined();
    const user = dockerfile.filter((i) => i.op === "USER").pop()?.args ?? "";
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });
});
