import { describe, it, expect } from "vitest";
import { scopedTopics, topicScopes } from "./topic-scopes.js";

describe("topicScopes", () => {
  it("allows everything when nothing is configured", () => {
    const s = topicScopes({}, "app1");
    expect(s.canPublish("orders")).toBe(true);
    expect(s.canSubscribe("orders")).toBe(true);
  });

  it("follows the docs example for publishing and subscription scopes", () => {
    const props = {
      publishingScopes: "app1=topic1;app2=topic2,topic3;app3=",
      subscriptionScopes: "app2=;app3=topic1",
    };
    const app1 = topicScopes(props, "app1");
    const app2 = topicScopes(props, "app2");
    const app3 = topicScopes(props, "app3");
    expect([app1.canPublish("topic1"), app1.canPublish("topic2"), app1.canPublish("topic3")]).toEqual([true, false, false]);
    expect([app2.canPublish("topic1"), app2.canPublish("topic2"), app2.canPublish("topic3")]).toEqual([false, true, true]);
    expect([app3.canPublish("topic1"), app3.canPublish("topic2"), app3.canPublish("topic3")]).toEqual([false, false, false]);
    // app1 is not listed in subscriptionScopes: it may subscribe to anything.
    expect([app1.canSubscribe("topic1"), app1.canSubscribe("topic2")]).toEqual([true, true]);
    expect([app2.canSubscribe("topic1"), app2.canSubscribe("topic2")]).toEqual([false, false]);
    expect([app3.canSubscribe("topic1"), app3.canSubscribe("topic2")]).toEqual([true, false]);
  });

  it("limits every app to allowedTopics, even a scoped one", () => {
    const props = { allowedTopics: "topic1,topic2", publishingScopes: "app1=topic3" };
    expect(topicScopes(props, "other").canPublish("topic1")).toBe(true);
    expect(topicScopes(props, "other").canPublish("topic3")).toBe(false);
    expect(topicScopes(props, "app1").canPublish("topic3")).toBe(false);
  });

  it("requires an explicit grant for protected topics", () => {
    const props = { protectedTopics: "secret", publishingScopes: "app1=secret", subscriptionScopes: "app2=secret" };
    expect(topicScopes(props, "app1").canPublish("secret")).toBe(true);
    expect(topicScopes(props, "app1").canSubscribe("secret")).toBe(false);
    expect(topicScopes(props, "app2").canSubscribe("secret")).toBe(true);
    expect(topicScopes(props, "app3").canPublish("secret")).toBe(false);
    expect(topicScopes(props, "app3").canPublish("open")).toBe(true);
  });

  it("reads keys case-insensitively and ignores spaces", () => {
    const props = { PublishingScopes: "app1 = a, b ; app2=c" };
    expect(scopedTopics(props, "publishingScopes", "app1")).toEqual(["a", "b"]);
    expect(topicScopes(props, "app1").canPublish("b")).toBe(true);
    expect(topicScopes(props, "app1").canPublish("c")).toBe(false);
  });

  it("ignores malformed scope entries without an '='", () => {
    const props = { publishingScopes: "garbage;app1=a" };
    expect(topicScopes(props, "garbage").canPublish("x")).toBe(true);
    expect(topicScopes(props, "app1").canPublish("x")).toBe(false);
  });
});
