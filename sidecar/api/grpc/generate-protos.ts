// `make protos`: regenerates generated/*-protos.ts from the .proto files of the
// installed SDK packages (run after upgrading @dapr/dapr or @dapr/durabletask-js).
//   npx tsx sidecar/api/grpc/generate-protos.ts
import { readFileSync, writeFileSync } from "node:fs";
import { generatedPath, protoBundles, renderBundle, type BundleName } from "./proto-bundles.js";

for (const name of Object.keys(protoBundles) as BundleName[]) {
  const file = generatedPath(name);
  const text = renderBundle(name);
  let old = "";
  try {
    old = readFileSync(file, "utf8");
  } catch {
    // first generation
  }
  // Unchanged files are left alone so that make and tsc see nothing new.
  if (text !== old) writeFileSync(file, text);
  process.stdout.write(`${file}: ${text === old ? "up to date" : "written"}\n`);
}
