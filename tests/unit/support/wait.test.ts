/**
 * The integration suite's bounded wait (tests/support/wait.ts): a probe that
 * is "not yet" is asked again until the time runs out, but a failed assertion
 * inside a probe is a verdict and ends the wait at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { waitFor } from "../../support/wait";

describe("waitFor", () => {
  it("returns the first value a probe gives, asking again while it gives undefined", async () => {
    let calls = 0;
    const value = await waitFor("the third call", async () => (++calls === 3 ? "ready" : undefined), { timeoutMs: 2_000, intervalMs: 1 });
    assert.equal(value, "ready");
    assert.equal(calls, 3);
  });

  it("treats a thrown error as not yet, and names the last one when the time runs out", async () => {
    let calls = 0;
    await assert.rejects(
      waitFor("a server", async () => { calls++; throw new Error(`connection refused ${calls}`); }, { timeoutMs: 50, intervalMs: 5 }),
      (error: Error) => {
        assert.match(error.message, /^timed out after 0 s waiting for a server \(last error: connection refused \d+\)$/);
        return true;
      },
    );
    assert.ok(calls > 1, `asked ${calls} times`);
  });

  it("ends at once on a failed assertion inside the probe, with that assertion's message", async () => {
    let calls = 0;
    const started = Date.now();
    await assert.rejects(
      waitFor("rows equal", async () => { calls++; assert.equal(1, 2, "rows differ"); return true; }, { timeoutMs: 2_000, intervalMs: 5 }),
      (error: Error) => {
        assert.ok(error instanceof assert.AssertionError, `an AssertionError, not ${error.name}: ${error.message}`);
        assert.match(error.message, /^rows differ/);
        return true;
      },
    );
    assert.equal(calls, 1, "the probe is not asked again");
    assert.ok(Date.now() - started < 1_000, "the wait did not run to its timeout");
  });
});
