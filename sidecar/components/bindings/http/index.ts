// bindings.http: an output binding that calls one base URL. The operation is
// the HTTP verb ("create" is POST, kept for compatibility); `path` metadata is
// appended to the URL; metadata keys starting with a capital letter are sent
// as request headers. The response status goes back as `statusCode`/`status`
// metadata with every response header. Non-2xx answers are errors unless
// `errorIfNot2XX` is false (component or request metadata), as in Dapr.
import { STATUS_CODES } from "node:http";
import { Agent, request, type Dispatcher } from "undici";
import { boolProp, prop, requiredProp, type ComponentContext } from "../../component.js";
import { assertOperation, type InvokeRequest, type InvokeResponse, type OutputBinding } from "../binding.js";
import { parseGoDuration } from "../go-duration.js";
import { pemOrFile } from "./tls.js";

const OPERATIONS = ["create", "get", "head", "post", "put", "patch", "delete", "options", "trace"];
const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const TRACE_HEADERS = ["traceparent", "tracestate", "baggage"];

/** Go's canonical header form: "content-type" -> "Content-Type". */
function canonicalHeader(name: string): string {
  return name.split("-").map((p) => (p ? p[0].toUpperCase() + p.slice(1).toLowerCase() : p)).join("-");
}

function truthy(v: string): boolean {
  return ["true", "1", "yes", "y", "on"].includes(v.toLowerCase());
}

/** A non-2xx answer; carries the response so callers can still see it. */
export class HttpStatusError extends Error {
  constructor(readonly statusCode: number, readonly response: InvokeResponse) {
    super(`received status code ${statusCode}`);
    this.name = "HttpStatusError";
  }
}

export class HttpOutputBinding implements OutputBinding {
  private url = "";
  private dispatcher?: Agent;
  private errorIfNot2XX = true;
  private timeoutMs?: number;
  private securityToken?: { header: string; value: string };

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    const p = this.ctx.properties;
    this.url = requiredProp(this.ctx, "url");
    try {
      new URL(this.url);
    } catch {
      throw new Error(`component ${this.ctx.name}: url '${this.url}' is not a valid URL`);
    }
    const rootCA = prop(p, "MTLSRootCA");
    const cert = prop(p, "MTLSClientCert");
    const key = prop(p, "MTLSClientKey");
    const connect: { ca?: string; cert?: string; key?: string } = {};
    if (rootCA) connect.ca = pemOrFile("MTLSRootCA", rootCA);
    if (cert && key) {
      connect.cert = pemOrFile("MTLSClientCert", cert);
      connect.key = pemOrFile("MTLSClientKey", key);
    }
    this.dispatcher = new Agent({ connect, connectTimeout: 15_000 });
    this.errorIfNot2XX = boolProp(p, "errorIfNot2XX", true);
    const timeout = prop(p, "responseTimeout");
    if (timeout) {
      try {
        this.timeoutMs = parseGoDuration(timeout);
      } catch (err) {
        throw new Error(`component ${this.ctx.name}: responseTimeout: ${(err as Error).message}`);
      }
    }
    const token = prop(p, "securityToken");
    const tokenHeader = prop(p, "securityTokenHeader");
    if (token && tokenHeader) this.securityToken = { header: tokenHeader, value: token };
  }

  operations(): string[] {
    return [...OPERATIONS];
  }

  async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    assertOperation(this, req.operation, this.ctx.name);
    if (!this.dispatcher) throw new Error(`binding ${this.ctx.name} is not initialized`);
    const md = req.metadata ?? {};
    let url = this.url;
    if (md.path) url = url.replace(/\/+$/, "") + "/" + md.path.replace(/^\/+/, "");
    const errorIfNot2XX = md.errorIfNot2XX ? truthy(md.errorIfNot2XX) : this.errorIfNot2XX;
    let method = req.operation.toUpperCase();
    if (method === "CREATE") method = "POST";

    const headers: Record<string, string> = {};
    const hasBody = WITH_BODY.has(method);
    if (hasBody && !("Content-Type" in md)) headers["content-type"] = "application/json; charset=utf-8";
    if (!("Accept" in md)) headers["accept"] = "application/json; charset=utf-8";
    if (this.securityToken) headers[this.securityToken.header.toLowerCase()] = this.securityToken.value;
    for (const [k, v] of Object.entries(md)) if (/^[A-Z]/.test(k)) headers[k.toLowerCase()] = v;
    for (const h of TRACE_HEADERS) if (md[h]) headers[h] = md[h];

    const res: Dispatcher.ResponseData = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body: hasBody ? req.data : undefined,
      dispatcher: this.dispatcher,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const data = Buffer.from(await res.body.arrayBuffer());
    const metadata: Record<string, string> = {
      statusCode: String(res.statusCode),
      status: `${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ""}`.trim(),
    };
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      metadata[canonicalHeader(k)] = Array.isArray(v) ? v.join(", ") : v;
    }
    const response: InvokeResponse = { data, metadata };
    if (errorIfNot2XX && Math.floor(res.statusCode / 100) !== 2) throw new HttpStatusError(res.statusCode, response);
    return response;
  }

  async close(): Promise<void> {
    const d = this.dispatcher;
    this.dispatcher = undefined;
    if (d) await d.close().catch(() => {});
  }
}
