import { describe, it, expect } from "vitest";
import { settleWithin } from "./settle.js";

describe("settleWithin", () => {
  it("returns as soon as everything settled, rejections included", async () => {
    let after = false;
    const slow = new Promise((r) => setTimeout(r, 20)).then(() => (after = true));
    await settleWithin([slow, Promise.reject(new Error("x")), undefined], 60_000);
    expect(after).toBe(true);
  });

  it("gives up on a promise that never settles", async () => {
    let settled = false;
    const never = new Promise(() => {}).finally(() => (settled = true));
    await settleWithin([never], 50); // resolving at all is the point: the test would time out otherwise
    expect(settled).toBe(false);
  });
});
