// Reads the http binding's TLS material. Like Dapr, each of MTLSRootCA,
// MTLSClientCert and MTLSClientKey is either PEM text or a path to a PEM file.
import { readFileSync } from "node:fs";

export function pemOrFile(field: string, value: string): string {
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(value)) return value;
  try {
    return readFileSync(value, "utf8");
  } catch (err) {
    throw new Error(`provided '${field}' value is neither a valid file path nor a valid PEM-encoded string: ${(err as Error).message}`);
  }
}
