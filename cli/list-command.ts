// `dapr-ts list`: the sidecars running on this machine, read from the local
// name-resolution registry.
import { dataHome } from "../sidecar/name-resolution/create-resolver.js";
import { liveEntries, registryDir } from "../sidecar/name-resolution/local-registry-resolver.js";

export async function main(argv: string[]): Promise<number> {
  const entries = liveEntries(registryDir(dataHome()));
  if (argv.includes("-o") && argv[argv.indexOf("-o") + 1] === "json") {
    process.stdout.write(JSON.stringify(entries, null, 2) + "\n");
    return 0;
  }
  const rows = [["APP ID", "HTTP PORT", "GRPC PORT", "APP PORT", "PID", "AGE"]];
  for (const e of entries) {
    const ageS = Math.round((Date.now() - Date.parse(e.startedAt)) / 1000);
    rows.push([e.appId, String(e.httpPort), String(e.grpcPort), e.appPort ? String(e.appPort) : "", String(e.pid), `${ageS}s`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd() + "\n");
  return 0;
}
