// Request and response plumbing shared by the double's routes: bounded body
// reading, object bodies (JSON, YAML or Kubernetes protobuf), JSON answers
// with Warning headers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "./object-store.js";
import { decodeProtobufObject, isProtobuf } from "./protobuf-body.js";
import { KubeError, statusErrors } from "./status.js";

const maxBodyBytes = 8 * 1024 * 1024;

export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBodyBytes) throw new KubeError(413, "RequestEntityTooLarge", "the request body is too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseObjectBody(raw: Buffer, contentType: string | undefined): KubeObject {
  if (isProtobuf(contentType)) return decodeProtobufObject(raw);
  const text = raw.toString("utf8");
  if (!text.trim()) throw statusErrors.badRequest("the request body was empty");
  try {
    const ct = (contentType ?? "").toLowerCase();
    return (ct.includes("yaml") ? parseYaml(text) : JSON.parse(text)) as KubeObject;
  } catch (e) {
    throw statusErrors.badRequest(`the object provided is unrecognized (must be of type JSON): ${(e as Error).message}`);
  }
}

export function send(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { "content-type": "application/json", "cache-control": "no-cache, private" };
  // kubectl prints each as "Warning: <text>".
  if (warnings.length > 0) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}
