import { describe, it, expect } from "vitest";
import { filterOf, topicMatches } from "./topic-matcher.js";

describe("topicMatches", () => {
  it("matches exact names and single-level wildcards", () => {
    expect(topicMatches("a/b", "a/b")).toBe(true);
    expect(topicMatches("a/b", "a/c")).toBe(false);
    expect(topicMatches("a/+/c", "a/x/c")).toBe(true);
    expect(topicMatches("a/+", "a/x/c")).toBe(false);
  });

  it("matches multi-level wildcards, including the parent level", () => {
    expect(topicMatches("a/#", "a/x/y")).toBe(true);
    expect(topicMatches("a/#", "a")).toBe(true);
    expect(topicMatches("#", "anything/at/all")).toBe(true);
    expect(topicMatches("a/#", "b/x")).toBe(false);
  });

  it("strips the shared-subscription prefix", () => {
    expect(filterOf("$share/group1/orders/+")).toBe("orders/+");
    expect(filterOf("orders")).toBe("orders");
  });
});
