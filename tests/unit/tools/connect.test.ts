/**
 * Connection failures against throwaway local sockets: a port nobody listens
 * on, a server that never answers, one that hangs up at once. Each must
 * become an unreachable node with one line, within the timeout.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { NodeSession } from "../../../scripts/lib/connect";
import type { NodeRef } from "../../../scripts/lib/nodes";
import { snapshotNode } from "../../../scripts/lib/snapshot";

const servers: Server[] = [];
const sockets: Socket[] = [];

async function listen(onConnection: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => {
    sockets.push(s);
    onConnection(s);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

function node(port: number): NodeRef {
  return {
    name: "replica-1",
    declaredRole: "standby",
    endpoint: `127.0.0.1:${port}`,
    conn: { host: "127.0.0.1", port, user: "postgres", password: "secret", database: "postgres" },
    replica: null,
  };
}

after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

describe("connection failures become one-line node errors", () => {
  it("a closed port: connection refused", async () => {
    const port = await listen(() => undefined);
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    const s = await snapshotNode(new NodeSession(node(port), { tool: "test", timeoutMs: 2000 }), []);
    assert.deepEqual(s.ok ? null : [s.kind, s.error], ["unreachable", `cannot connect to 127.0.0.1:${port} (connection refused): is the container running?`]);
  });

  it("a server that never answers: a timeout after --timeout, not a hang", async () => {
    const port = await listen(() => undefined);
    const started = Date.now();
    const s = await snapshotNode(new NodeSession(node(port), { tool: "test", timeoutMs: 700 }), []);
    const elapsed = Date.now() - started;
    assert.equal(s.ok, false);
    assert.ok(!s.ok && s.kind === "timeout", JSON.stringify(s));
    assert.ok(!s.ok && s.error.includes("no answer within 0.7 s"), s.ok ? "" : s.error);
    assert.ok(elapsed >= 600 && elapsed < 3000, `took ${elapsed} ms`);
  });

  it("a port that accepts and hangs up (Docker's proxy with no server behind it)", async () => {
    const port = await listen((s) => s.destroy());
    const s = await snapshotNode(new NodeSession(node(port), { tool: "test", timeoutMs: 2000 }), []);
    assert.ok(!s.ok && s.kind === "unreachable", JSON.stringify(s));
    assert.ok(!s.ok && /closed before the server answered|was reset/.test(s.error), s.ok ? "" : s.error);
  });

  it("never puts the password in the error", async () => {
    const port = await listen((s) => s.destroy());
    const s = await snapshotNode(new NodeSession(node(port), { tool: "test", timeoutMs: 2000 }), []);
    assert.ok(!s.ok && !s.error.includes("secret"));
  });
});
