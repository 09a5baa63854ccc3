/**
 * check.ts, mutation-testing follow-up: the exact check failures the engine
 * shows for an input the stand-in refuses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { containerType } from "../../providers/docker/container";
import { remoteImageType } from "../../providers/docker/remote-image";

describe("checkInputs failures", () => {
  it("an input implemented at its default only, set to another value: named property, value and the one implemented value", () => {
    assert.deepEqual(containerType.check("c", {}, { name: "c", image: "i", tty: true }).failures,
      [{ property: "tty", reason: "tty = true is not implemented by the stand-in (only false)" }]);
    assert.deepEqual(remoteImageType.check("i", {}, { name: "postgres:17", platform: "linux/arm64" }).failures,
      [{ property: "platform", reason: "platform = \"linux/arm64\" is not implemented by the stand-in (only \"\")" }]);
  });

  it("an input not implemented at all: a resource-level failure (empty property) naming the input", () => {
    assert.deepEqual(containerType.check("c", {}, { name: "c", image: "i", privileged: true }).failures,
      [{ property: "", reason: "stand-in: docker:index/container:Container 'c': input 'privileged' is not implemented" }]);
  });
});
