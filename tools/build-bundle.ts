// Builds the CLI as shipped (package.json "bin", the image): dist/cli/main.js
// and the modules it loads as one ES module plus lazily loaded chunks in
// dist/bundle/. Run by `make bundle` after tsc (with tsx: a build tool, not
// part of the runtime, so it may use dev dependencies such as esbuild).
//
// What goes in: our own code, and the pure-JS packages every sidecar loads at
// start (express, @grpc/grpc-js): loading one file instead of hundreds saves
// the resolution and file reads per module. Measured start to healthy on the
// embedded default, alternating builds, 15 rounds: bundling grpc-js and
// deferring the modules below took the median from 501 to 383 ms (then 367 with
// the minified text).
// Every other package stays in node_modules: native code, or loaded only when
// a component, backend or subcommand needs it. iconv-lite and mime-db stay out
// too: express only reaches them through require() at run time, and bundled,
// their tables (~770 KB of source) would be held in memory as text.
//
// Beside the chunks go the CRDs already parsed and their validators already compiled, which a
// sidecar uses instead of doing both while crds/*.yaml are unchanged (tools/crd-artifacts.ts).
//
// Deferred modules: express loads body-parser, qs and mime-types (with its
// 200 KB database) when it is first imported, ~35 ms of a sidecar's start,
// though none of them is needed to answer the first request. Each import of
// them is bundled as a shim that loads the real module on first use; the
// sidecar, injector and operator load them all right after they serve
// (loadDeferredModules), so no request pays for it. A shim forwards exactly
// the names the module exports (checked by build-bundle.test.ts against the
// installed versions).
import { build, type Plugin } from "esbuild";
import { readFileSync } from "node:fs";
import path from "node:path";
import { writeCrdArtifacts } from "./crd-artifacts.js";

/** Exported names of each deferred module: functions are forwarded per call, other values read on access. */
export const DEFERRED_MODULES: Readonly<Record<string, { functions: readonly string[]; values: readonly string[] }>> = {
  "mime-types": { functions: ["charset", "contentType", "extension", "lookup"], values: ["charsets", "extensions", "types", "_extensionConflicts"] },
  qs: { functions: ["parse", "stringify"], values: ["formats"] },
  "body-parser": { functions: ["json", "raw", "text", "urlencoded"], values: [] },
};

/** Where shims register their loaders, for loadDeferredModules (sidecar/runtime/deferred-modules.ts). */
export const DEFERRED_MODULES_KEY = "dapr-ts.deferred-modules";

/** CommonJS source of the shim standing in for the module at `realPath`. */
export function deferredModuleShim(name: string, realPath: string): string {
  const spec = DEFERRED_MODULES[name];
  if (!spec) throw new Error(`no deferred-module spec for ${name}`);
  return [
    `let real;`,
    `const load = () => (real ??= require(${JSON.stringify(realPath)}));`,
    `(globalThis[Symbol.for(${JSON.stringify(DEFERRED_MODULES_KEY)})] ??= []).push(load);`,
    `module.exports = {`,
    ...spec.functions.map((f) => `  ${f}: (...args) => load().${f}(...args),`),
    ...spec.values.map((v) => `  get ${v}() { return load().${v}; },`),
    `};`,
  ].join("\n");
}

/** esbuild plugin: every import of a deferred module resolves to its shim; the shim's own import, to the module. */
export function deferModulesPlugin(): Plugin {
  const names = Object.keys(DEFERRED_MODULES).map((n) => n.replace(/[-/]/g, "\\$&"));
  return {
    name: "defer-modules",
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${names.join("|")})$`) }, async (args) => {
        // The nested resolve below comes back here: let esbuild resolve that one itself.
        if ((args.pluginData as { real?: boolean } | undefined)?.real) return undefined;
        // Resolved from the importer, so each copy of a module in the tree gets its own shim.
        const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { real: true } });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: "deferred", pluginData: { name: args.path } };
      });
      b.onLoad({ filter: /.*/, namespace: "deferred" }, (args) => ({
        contents: deferredModuleShim((args.pluginData as { name: string }).name, args.path),
        loader: "js",
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}

/** Packages bundled in; all other dependencies stay external. */
const BUNDLED_PACKAGES = ["express", "@grpc/grpc-js"];

export async function buildBundle(repoRoot: string, outdir: string): Promise<void> {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const external = [...Object.keys(pkg.dependencies).filter((d) => !BUNDLED_PACKAGES.includes(d)), "iconv-lite", "mime-db"]
    .flatMap((d) => [d, `${d}/*`]);
  await build({
    entryPoints: [path.join(repoRoot, "dist/cli/main.js")],
    bundle: true,
    platform: "node",
    format: "esm",
    splitting: true,
    outdir,
    logLevel: "warning",
    external,
    plugins: [deferModulesPlugin()],
    // Less text to decode and parse at every start, and to hold in memory (V8 keeps a
    // script's source for lazy compilation): 20 ms sooner healthy, 0.7 MiB less idle RSS.
    // Names are kept (no identifier minification); stack traces map back to the TypeScript
    // source with NODE_OPTIONS=--enable-source-maps (the maps ship beside the chunks).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    // CommonJS code inside the bundle calls `require` for Node's built-ins.
    banner: { js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);' },
  });
  // The CRDs parsed and their validators compiled, beside the chunk that validates resources.
  writeCrdArtifacts(path.join(repoRoot, "crds"), outdir);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
  buildBundle(repoRoot, path.join(repoRoot, "dist/bundle")).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
