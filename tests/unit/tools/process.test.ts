/**
 * scripts/lib/process.ts, the repository's process runner, against real
 * child processes (/bin/sh): exit status, output, stdin, cwd and env, the
 * timeout that kills a whole process group, cancellation, and its messages.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import {
  describeRun, nowMs, ProcessError, run, runOrThrow, SpawnError, start, type RunResult,
} from "../../../scripts/lib/process";
import { start as startForTests } from "../../support/process";

const sh = (script: string, options: Omit<Parameters<typeof run>[2], "timeoutMs"> & { timeoutMs?: number } = {}): Promise<RunResult> =>
  run("/bin/sh", ["-c", script], { timeoutMs: 10_000, ...options });

/** Whether a process is alive: present and not a zombie (an orphan's zombie may never be reaped in a container). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function eventually(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** PIDs a script printed, one per line, to kill them should a test fail. */
const strays: number[] = [];
function pidsIn(text: string): number[] {
  const pids = text.split("\n").map((l) => l.trim()).filter((l) => /^[0-9]+$/.test(l)).map(Number);
  strays.push(...pids);
  return pids;
}

after(() => {
  for (const pid of strays) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
});

describe("process runner: exit status and output", () => {
  it("returns the exit code, not an error, for a failing command", async () => {
    const r = await sh("echo out; echo err >&2; exit 3");
    assert.equal(r.code, 3);
    assert.equal(r.signal, undefined);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
    assert.equal(r.timedOut, false);
    assert.equal(r.aborted, false);
    assert.equal(r.combined, undefined, "no combined output unless asked for");
    assert.ok(r.ms > 0 && r.ms < 10_000);
  });

  it("returns 0 and the output of a successful command", async () => {
    const r = await sh("printf 'a\\nb'");
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "a\nb");
  });

  it("reports the signal that ended a command", async () => {
    const r = await sh("kill -TERM $$");
    assert.equal(r.code, null);
    assert.equal(r.signal, "SIGTERM");
    assert.match(describeRun("sh", r), /^sh killed by SIGTERM after/);
  });

  it("interleaves stdout and stderr in arrival order when asked", async () => {
    const r = await sh("echo 1; sleep 0.1; echo 2 >&2; sleep 0.1; echo 3; sleep 0.1; echo 4 >&2", { combined: true });
    assert.equal(r.combined, "1\n2\n3\n4\n");
    assert.equal(r.stdout, "1\n3\n");
    assert.equal(r.stderr, "2\n4\n");
  });

  it("captures large output whole", async () => {
    const r = await sh("head -c 3000000 /dev/zero | tr '\\0' a");
    assert.equal(r.stdout.length, 3_000_000);
  });

  it("runs in the given cwd with exactly the given environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "process-test-"));
    try {
      const r = await run("/bin/sh", ["-c", 'pwd; echo "$ONLY_HERE"; echo "${HOME-unset}"'], { timeoutMs: 10_000, cwd: dir, env: { ONLY_HERE: "yes", PATH: process.env.PATH } });
      assert.deepEqual(r.stdout.split("\n"), [dir, "yes", "unset", ""]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes arguments as they are, with no shell in between", async () => {
    const r = await run("/bin/sh", ["-c", 'printf "%s|" "$@"', "sh", "a b", "$HOME", "'; rm -rf /"], { timeoutMs: 10_000 });
    assert.equal(r.stdout, "a b|$HOME|'; rm -rf /|");
  });

  it("rejects with a SpawnError (ENOENT) when the program does not exist", async () => {
    await assert.rejects(run("/nonexistent/program", ["x"], { timeoutMs: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof SpawnError);
      assert.equal(error.code, "ENOENT");
      assert.match(error.message, /^\/nonexistent\/program x: /);
      return true;
    });
  });
});

describe("process runner: stdin", () => {
  it("writes the input to stdin and closes it", async () => {
    const r = await run("cat", [], { timeoutMs: 10_000, input: "line 1\nline 2\n" });
    assert.equal(r.stdout, "line 1\nline 2\n");
  });

  it("writes a Buffer byte for byte", async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10]);
    const r = await run("/bin/sh", ["-c", "od -An -tu1 | tr -s ' ' | sed 's/^ //'"], { timeoutMs: 10_000, input: bytes });
    assert.equal(r.stdout.trim(), "0 1 2 255 254 10");
  });

  it("gives a command without input an empty stdin, so a reader does not wait", async () => {
    const r = await run("cat", [], { timeoutMs: 5_000 });
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "");
  });

  it("survives a command that exits without reading a large input (no EPIPE)", async () => {
    const r = await sh("exit 0", { input: Buffer.alloc(8 * 1024 * 1024, 97) });
    assert.equal(r.code, 0);
  });
});

describe("process runner: timeout", () => {
  it("kills the whole process group, a grandchild included, and says it timed out", async () => {
    const started = nowMs();
    // The grandchild keeps stdout open: without the group kill, the call would last its 30 s.
    const r = await sh("sleep 30 & echo $!; sleep 30 & echo $!; wait", { timeoutMs: 500 });
    const elapsed = nowMs() - started;
    assert.equal(r.timedOut, true);
    assert.equal(r.aborted, false);
    assert.equal(r.code, null);
    assert.equal(r.signal, "SIGKILL");
    assert.ok(elapsed >= 450 && elapsed < 4_000, `ended soon after the timeout (${elapsed.toFixed(0)} ms)`);
    const pids = pidsIn(r.stdout);
    assert.equal(pids.length, 2, "the script printed its grandchildren's pids");
    await eventually("the grandchildren are gone", () => pids.every((pid) => !alive(pid)));
    assert.match(describeRun("sleepers", r), /^sleepers timed out after 0\.[0-9] s/);
  });

  it("still ends when a grandchild that left the group holds the pipes open", async () => {
    const started = nowMs();
    const r = await sh("setsid sleep 30 & echo $!; wait", { timeoutMs: 300 });
    const elapsed = nowMs() - started;
    pidsIn(r.stdout);
    assert.equal(r.timedOut, true);
    assert.ok(elapsed < 6_000, `ended although the pipes stayed open (${elapsed.toFixed(0)} ms)`);
  });

  it("leaves a command that finishes in time alone", async () => {
    const r = await sh("sleep 0.1; echo done", { timeoutMs: 5_000 });
    assert.equal(r.timedOut, false);
    assert.equal(r.stdout, "done\n");
  });
});

describe("process runner: abort", () => {
  it("sends SIGTERM to the command itself and reports the abort", async () => {
    const controller = new AbortController();
    const running = start("/bin/sh", ["-c", 'trap \'kill $child; echo got TERM; exit 7\' TERM; sleep 30 & child=$!; echo ready; wait'], { timeoutMs: 10_000, signal: controller.signal });
    await eventually("the script is ready", () => running.stdout().includes("ready"));
    controller.abort();
    const r = await running.done;
    assert.equal(r.aborted, true);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 7, "the command handled the signal and chose its exit status");
    assert.match(r.stdout, /got TERM/);
    assert.match(describeRun("trap", r), /^trap was aborted after/);
  });

  it("sends the chosen signal (SIGINT, as Ctrl-C)", async () => {
    const controller = new AbortController();
    const running = start("/bin/sh", ["-c", "trap 'echo got INT; exit 4' INT; echo ready; while :; do sleep 0.05; done"], { timeoutMs: 10_000, signal: controller.signal, abortWith: "SIGINT" });
    await eventually("the script is ready", () => running.stdout().includes("ready"));
    controller.abort();
    const r = await running.done;
    assert.equal(r.code, 4);
    assert.match(r.stdout, /got INT/);
  });

  it("kills the group after the grace period when the command ignores the signal", async () => {
    const controller = new AbortController();
    const running = start("/bin/sh", ["-c", "trap '' TERM; sleep 30 & echo $!; echo ready; wait; wait"], { timeoutMs: 20_000, signal: controller.signal, abortGraceMs: 300 });
    await eventually("the script is ready", () => running.stdout().includes("ready"));
    const started = nowMs();
    controller.abort();
    const r = await running.done;
    const elapsed = nowMs() - started;
    assert.equal(r.aborted, true);
    assert.equal(r.signal, "SIGKILL");
    assert.ok(elapsed >= 250 && elapsed < 4_000, `killed after the grace period (${elapsed.toFixed(0)} ms)`);
    const pids = pidsIn(r.stdout);
    await eventually("the grandchild is gone", () => pids.every((pid) => !alive(pid)));
  });

  it("starts nothing when the signal has already fired, and rejects with its reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "process-test-"));
    try {
      const marker = join(dir, "ran");
      const reason = new Error("stopped before it began");
      await assert.rejects(run("/bin/sh", ["-c", `touch '${marker}'`], { timeoutMs: 10_000, signal: AbortSignal.abort(reason) }), (e) => e === reason);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(existsSync(marker), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("does not mark a run that ended before the abort as aborted", async () => {
    const controller = new AbortController();
    const r = await sh("exit 0", { signal: controller.signal });
    controller.abort();
    assert.equal(r.aborted, false);
    assert.equal(r.code, 0);
  });
});

describe("process runner: errors and messages", () => {
  it("describes a failed run with the last lines of both streams", async () => {
    const r = await sh("for i in $(seq 1 30); do echo out-$i; echo err-$i >&2; done; exit 2");
    const text = describeRun("counting", r, 3);
    assert.match(text, /^counting exited 2 after [0-9.]+ s\n--- stdout\nout-28\nout-29\nout-30\n--- stderr\nerr-28\nerr-29\nerr-30$/);
    assert.doesNotMatch(text, /out-27/);
  });

  it("runOrThrow throws a ProcessError carrying the result, and returns the result on success", async () => {
    await assert.rejects(runOrThrow("/bin/sh", ["-c", "echo nope >&2; exit 1"], { timeoutMs: 10_000 }, "the check"), (error: unknown) => {
      assert.ok(error instanceof ProcessError);
      assert.equal(error.result.code, 1);
      assert.equal(error.what, "the check");
      assert.match(error.message, /^the check exited 1 after .*\n--- stderr\nnope$/s);
      return true;
    });
    await assert.rejects(runOrThrow("/bin/sh", ["-c", "sleep 5"], { timeoutMs: 200 }), /timed out/);
    assert.equal((await runOrThrow("/bin/sh", ["-c", "echo fine"], { timeoutMs: 10_000 })).stdout, "fine\n");
  });

  it("measures on a monotonic clock", async () => {
    const a = nowMs();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const b = nowMs();
    assert.ok(b - a >= 25, `${b - a} ms`);
  });
});

describe("tests/support/process over the runner", () => {
  it("interrupts a running command with SIGINT, and kills its group after the grace period", async () => {
    const running = startForTests("/bin/sh", ["-c", "trap '' INT; sleep 30 & echo $!; wait; wait"], { timeoutMs: 20_000 });
    await eventually("the script started its child", () => /[0-9]+\n/.test(running.stdout()));
    const r = await running.interrupt(300);
    assert.equal(r.signal, "SIGKILL");
    const pids = pidsIn(r.stdout);
    await eventually("the grandchild is gone", () => pids.every((pid) => !alive(pid)));
  });
});
