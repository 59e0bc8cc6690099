import { describe, expect, it } from "vitest";
import { decodeBytesValue, encodeBytesValue, fromReminderMessage, toReminderMessage } from "./reminder-message.js";

describe("reminder message (CallActorReminder)", () => {
  it("carries data as an Any holding a BytesValue of its JSON, as Dapr does", () => {
    const m = toReminderMessage({ type: "T", id: "1", name: "r", data: { a: [1, "x"] }, dueTime: "5s", period: "R2/PT1S" }, new Date(1_700_000_000_123));
    expect(m.data?.type_url).toBe("type.googleapis.com/google.protobuf.BytesValue");
    expect(decodeBytesValue(m.data!.value!).toString()).toBe('{"a":[1,"x"]}');
    expect(m.registered_time).toEqual({ seconds: 1_700_000_000, nanos: 123_000_000 });
    expect(fromReminderMessage(m)).toEqual({ type: "T", id: "1", name: "r", data: { a: [1, "x"] }, dueTime: "5s", period: "R2/PT1S", isTimer: false });
  });

  it("reads data without a BytesValue wrapper, non-JSON data as a string, and no data as none", () => {
    expect(fromReminderMessage({ actor_type: "T", actor_id: "1", name: "r", data: { type_url: "", value: Buffer.from("[1,2]") } }).data).toEqual([1, 2]);
    expect(fromReminderMessage({ actor_type: "T", actor_id: "1", name: "r", data: { type_url: "", value: Buffer.from("not json") } }).data).toBe("not json");
    expect(fromReminderMessage({ actor_type: "T", actor_id: "1", name: "r", data: null }).data).toBeUndefined();
    expect(toReminderMessage({ type: "T", id: "1", name: "r", dueTime: "", period: "" }).data).toBeNull();
  });

  it("encodes and decodes BytesValue lengths past one varint byte, and leaves non-BytesValue bytes as they are", () => {
    const big = Buffer.alloc(70_000, 0x61);
    expect(decodeBytesValue(encodeBytesValue(big)).equals(big)).toBe(true);
    expect(decodeBytesValue(Buffer.alloc(0)).length).toBe(0);
    const truncated = encodeBytesValue(Buffer.from("hello")).subarray(0, 4);
    expect(decodeBytesValue(truncated)).toBe(truncated);
  });
});
