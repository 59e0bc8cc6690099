// Kubernetes' protobuf request bodies, for the few kinds kubectl's typed
// `create` subcommands send that way (`kubectl create namespace|secret|
// configmap|serviceaccount`): client-go does not fall back to JSON on 415.
// A body is "k8s\0" + runtime.Unknown{typeMeta, raw}; raw is the typed
// message. Field numbers follow k8s.io/api's generated.proto.
import type { KubeObject, ObjectMeta } from "./object-store.js";
import { statusErrors } from "./status.js";

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { wire: number; varint?: bigint; bytes?: Buffer };
type Message = Map<number, Field[]>;

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error("truncated varint");
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new Error("varint too long");
  }
}

export function decodeMessage(buf: Buffer): Message {
  const fields: Message = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    let field: Field;
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      pos = p2;
      field = { wire, varint: v };
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new Error("truncated field");
      field = { wire, bytes: buf.subarray(p2, end) };
      pos = end;
    } else if (wire === 1) {
      field = { wire, bytes: buf.subarray(pos, pos + 8) };
      pos += 8;
    } else if (wire === 5) {
      field = { wire, bytes: buf.subarray(pos, pos + 4) };
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
    const list = fields.get(no) ?? [];
    list.push(field);
    fields.set(no, list);
  }
  return fields;
}

const str = (m: Message, no: number) => m.get(no)?.at(-1)?.bytes?.toString("utf8");
const bytesOf = (m: Message, no: number) => m.get(no)?.at(-1)?.bytes;
const strings = (m: Message, no: number) => (m.get(no) ?? []).map((f) => f.bytes!.toString("utf8"));
const bool = (m: Message, no: number) => { const v = m.get(no)?.at(-1)?.varint; return v === undefined ? undefined : v !== 0n; };

function map(m: Message, no: number, valueAsBase64 = false): Record<string, string> | undefined {
  const entries = m.get(no);
  if (!entries) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = decodeMessage(e.bytes!);
    const value = bytesOf(kv, 2) ?? Buffer.alloc(0);
    out[str(kv, 1) ?? ""] = valueAsBase64 ? value.toString("base64") : value.toString("utf8");
  }
  return out;
}

function objectMeta(buf: Buffer | undefined): ObjectMeta {
  if (!buf) return {};
  const m = decodeMessage(buf);
  const meta: ObjectMeta = {};
  const set = <K extends keyof ObjectMeta>(k: K, v: ObjectMeta[K] | undefined) => { if (v !== undefined && v !== "") meta[k] = v; };
  set("name", str(m, 1));
  set("generateName", str(m, 2));
  set("namespace", str(m, 3));
  set("labels", map(m, 11));
  set("annotations", map(m, 12));
  const finalizers = strings(m, 14);
  if (finalizers.length) meta.finalizers = finalizers;
  if (m.has(13)) {
    meta.ownerReferences = (m.get(13) ?? []).map((f) => {
      const r = decodeMessage(f.bytes!);
      // OwnerReference: kind=1, name=3, uid=4, apiVersion=5, controller=6, blockOwnerDeletion=7
      return { apiVersion: str(r, 5) ?? "", kind: str(r, 1) ?? "", name: str(r, 3) ?? "", uid: str(r, 4) ?? "", ...(bool(r, 6) !== undefined ? { controller: bool(r, 6) } : {}), ...(bool(r, 7) !== undefined ? { blockOwnerDeletion: bool(r, 7) } : {}) };
    });
  }
  return meta;
}

const decoders: Record<string, (m: Message) => Omit<KubeObject, "apiVersion" | "kind">> = {
  Namespace: (m) => ({ metadata: objectMeta(bytesOf(m, 1)) }),
  ConfigMap: (m) => {
    const o: Omit<KubeObject, "apiVersion" | "kind"> = { metadata: objectMeta(bytesOf(m, 1)) };
    const data = map(m, 2);
    const binaryData = map(m, 3, true);
    if (data) o.data = data;
    if (binaryData) o.binaryData = binaryData;
    if (bool(m, 4) !== undefined) o.immutable = bool(m, 4);
    return o;
  },
  Secret: (m) => {
    const o: Omit<KubeObject, "apiVersion" | "kind"> = { metadata: objectMeta(bytesOf(m, 1)) };
    const data = map(m, 2, true);
    const stringData = map(m, 4);
    if (data) o.data = data;
    if (stringData) o.stringData = stringData;
    if (str(m, 3)) o.type = str(m, 3);
    if (bool(m, 5) !== undefined) o.immutable = bool(m, 5);
    return o;
  },
  ServiceAccount: (m) => {
    const o: Omit<KubeObject, "apiVersion" | "kind"> = { metadata: objectMeta(bytesOf(m, 1)) };
    if (bool(m, 4) !== undefined) o.automountServiceAccountToken = bool(m, 4);
    return o;
  },
};

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? "").includes("application/vnd.kubernetes.protobuf");
}

/** Decodes a protobuf request body, or throws 415 for kinds we do not decode. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) throw statusErrors.badRequest("protobuf body without the k8s envelope");
  let unknown: Message;
  try {
    unknown = decodeMessage(body.subarray(4));
  } catch (e) {
    throw statusErrors.badRequest(`malformed protobuf body: ${(e as Error).message}`);
  }
  const typeMeta = decodeMessage(bytesOf(unknown, 1) ?? Buffer.alloc(0));
  const apiVersion = str(typeMeta, 1) ?? "";
  const kind = str(typeMeta, 2) ?? "";
  const decode = decoders[kind];
  if (!decode || apiVersion !== "v1") {
    throw statusErrors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (the double decodes protobuf only for v1 ${Object.keys(decoders).join(", ")}; send ${apiVersion} ${kind} as JSON, e.g. with kubectl apply -f)`);
  }
  try {
    const fields = decode(decodeMessage(bytesOf(unknown, 2) ?? Buffer.alloc(0)));
    return { apiVersion, kind, ...fields, metadata: fields.metadata as ObjectMeta };
  } catch (e) {
    throw statusErrors.badRequest(`malformed protobuf ${kind}: ${(e as Error).message}`);
  }
}
