// The floor's hop between its two relays (bench/proxy-chain-floor.ts): the
// least a Node process can do to pass a call to another over TCP, as the two
// sidecars pass theirs framed (sidecar/building-blocks/invoke/call-local-frames-*.ts),
// with none of their work (no protobuf, no metadata, no status, no streaming).
//
//   request: 4-byte length | 2-byte path length | path | body
//   answer:  4-byte length | 2-byte HTTP status | body
//
// One call at a time per connection, the connections pooled, as the sidecars do.
import net, { type Socket } from "node:net";

export interface FramedAnswer {
  status: number;
  body: Buffer;
}

/** Collects length-prefixed frames from a socket's chunks; calls `onFrame` with each whole one (without its length). */
function frameReader(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let held: Buffer | undefined;
  return (chunk) => {
    let buf = held ? Buffer.concat([held, chunk]) : chunk;
    held = undefined;
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) break;
      onFrame(buf.subarray(4, 4 + len));
      buf = buf.subarray(4 + len);
    }
    if (buf.length) held = buf;
  };
}

/** Calls to the relay at `port`: `call(path, body)` resolves with its answer. */
export function framedClient(port: number): { call(path: string, body: Buffer): Promise<FramedAnswer>; close(): void } {
  const idle: { socket: Socket; answer?: (a: FramedAnswer) => void }[] = [];
  const all = new Set<Socket>();
  const open = () => {
    const conn: { socket: Socket; answer?: (a: FramedAnswer) => void } = { socket: net.connect({ port, host: "127.0.0.1", noDelay: true }) };
    all.add(conn.socket);
    conn.socket.on("data", frameReader((frame) => {
      const answer = conn.answer!;
      conn.answer = undefined;
      idle.push(conn);
      answer({ status: frame.readUInt16BE(0), body: frame.subarray(2) });
    }));
    conn.socket.on("error", () => {});
    conn.socket.on("close", () => all.delete(conn.socket));
    return conn;
  };
  return {
    call(path, body) {
      const conn = idle.pop() ?? open();
      const pathLength = Buffer.byteLength(path);
      const frame = Buffer.allocUnsafe(6 + pathLength + body.length);
      frame.writeUInt32BE(2 + pathLength + body.length, 0);
      frame.writeUInt16BE(pathLength, 4);
      frame.write(path, 6, "latin1");
      body.copy(frame, 6 + pathLength);
      return new Promise((resolve) => {
        conn.answer = resolve;
        conn.socket.write(frame);
      });
    },
    close() {
      for (const s of all) s.destroy();
    },
  };
}

/** A server taking framed calls, each answered by `handle`. */
export function framedServer(handle: (path: string, body: Buffer) => Promise<FramedAnswer>): net.Server {
  return net.createServer({ noDelay: true }, (socket) => {
    socket.on("error", () => {});
    socket.on("data", frameReader((frame) => {
      const pathLength = frame.readUInt16BE(0);
      handle(frame.toString("latin1", 2, 2 + pathLength), frame.subarray(2 + pathLength)).then(
        (a) => {
          const out = Buffer.allocUnsafe(6 + a.body.length);
          out.writeUInt32BE(2 + a.body.length, 0);
          out.writeUInt16BE(a.status, 4);
          a.body.copy(out, 6);
          socket.write(out);
        },
        () => socket.destroy(),
      );
    }));
  });
}
