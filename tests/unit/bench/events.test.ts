import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DESTROY_PHASES, destroyPhases, errorDiagnostics, phasesFrom, resourceTimings, stampLines, UP_PHASES, upPhases,
  type ResourceTiming, type StampedLine,
} from "../../../bench/lib/events";

const PREFIX = "urn:pulumi:s::pg-replication::";
const STACK_TYPE = "pulumi:pulumi:Stack";
const CLUSTER = "pg-replication:index:Cluster";
const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";
const VOLUME = "docker:index/volume:Volume";
const NETWORK = "docker:index/network:Network";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const PROVIDER = "pulumi:providers:docker";

/** The URN of a resource: the stack, the cluster component, or a child of the component. */
function urn(type: string, name: string): string {
  if (type === STACK_TYPE) return `${PREFIX}${type}::pg-replication-s`;
  if (type === CLUSTER || type.startsWith("pulumi:providers:")) return `${PREFIX}${type}::${name}`;
  return `${PREFIX}${CLUSTER}$${type}::${name}`;
}

/** The engine event lines of one step: its pre event and, when `doneMs` is given, its outputs event. */
function step(type: string, name: string, startMs: number, doneMs?: number, op = "create"): StampedLine[] {
  const metadata = { op, urn: urn(type, name), type, provider: "" };
  const lines: StampedLine[] = [{ atMs: startMs, line: JSON.stringify({ sequence: 1, timestamp: 1767225600, resourcePreEvent: { metadata, planning: false } }) }];
  if (doneMs !== undefined) lines.push({ atMs: doneMs, line: JSON.stringify({ sequence: 2, timestamp: 1767225601, resOutputsEvent: { metadata, planning: false } }) });
  return lines;
}

/** Lines in arrival order, as the bench stamps them. */
const inOrder = (lines: readonly StampedLine[]): StampedLine[] => [...lines].sort((a, b) => a.atMs - b.atMs);

/** `pulumi up --json` of a fresh cluster with `standbys` standbys (base backups and standbys in parallel). */
function upStream(standbys: number, omit: (type: string, name: string) => boolean = () => false, unfinished: (name: string) => boolean = () => false): StampedLine[] {
  const steps: [string, string, number, number][] = [
    [STACK_TYPE, "pg-replication-s", 1200, 9300],
    [CLUSTER, "pg-s", 1500, 9000],
    [PROVIDER, "default_5_2_0", 1550, 1560],
    [PASSWORD, "pg-s-superuser-password", 1600, 1650],
    [PASSWORD, "pg-s-replication-password", 1600, 1660],
    [IMAGE, "pg-s-image", 1700, 2100],
    [NETWORK, "pg-s-net", 1700, 2200],
    [VOLUME, "pg-s-primary-data", 1700, 1900],
    [CONTAINER, "pg-s-primary", 2300, 5000],
    [COMMAND, "pg-s-credentials", 5000, 5400],
    [COMMAND, "pg-s-settings", 5000, 5600],
  ];
  for (let n = 1; n <= standbys; n++) {
    steps.push(
      [VOLUME, `pg-s-replica-${n}-data`, 1700, 1950],
      [COMMAND, `pg-s-replica-${n}-basebackup`, 5800 + 100 * (n - 1), 7500 + 400 * (n - 1)],
      [CONTAINER, `pg-s-replica-${n}`, 7500 + 400 * (n - 1), 8900 + 200 * (n - 1)],
    );
  }
  steps.push([COMMAND, "pg-s-sync", 8900 + 200 * (standbys - 1), 8950 + 200 * (standbys - 1)]);
  const lines: StampedLine[] = [{ atMs: 1100, line: JSON.stringify({ sequence: 0, timestamp: 1767225600, preludeEvent: { config: {} } }) }];
  for (const [type, name, start, done] of steps) {
    if (!omit(type, name)) lines.push(...step(type, name, start, unfinished(name) ? undefined : done));
  }
  lines.push({ atMs: 9400, line: JSON.stringify({ sequence: 99, timestamp: 1767225610, summaryEvent: { resourceChanges: { create: 12 } } }) });
  return inOrder(lines);
}

/** `pulumi destroy --json` of a cluster with one standby: children in reverse dependency order, then the component and the stack. */
function destroyStream(unfinished: (name: string) => boolean = () => false): StampedLine[] {
  const steps: [string, string, number, number][] = [
    [COMMAND, "pg-s-sync", 1100, 1200],
    [CONTAINER, "pg-s-replica-1", 1200, 2500],
    [COMMAND, "pg-s-replica-1-basebackup", 2500, 2600],
    [VOLUME, "pg-s-replica-1-data", 2600, 2800],
    [COMMAND, "pg-s-settings", 2500, 2550],
    [COMMAND, "pg-s-credentials", 2500, 2560],
    [CONTAINER, "pg-s-primary", 2600, 3800],
    [VOLUME, "pg-s-primary-data", 3800, 4000],
    [NETWORK, "pg-s-net", 3800, 4300],
    [IMAGE, "pg-s-image", 3800, 3850],
    [PASSWORD, "pg-s-superuser-password", 3800, 3810],
    [PASSWORD, "pg-s-replication-password", 3800, 3820],
    [CLUSTER, "pg-s", 4300, 4310],
    [STACK_TYPE, "pg-replication-s", 4320, 4330],
    [PROVIDER, "default_5_2_0", 4400, 4450],
  ];
  const lines: StampedLine[] = [];
  for (const [type, name, start, done] of steps) lines.push(...step(type, name, start, unfinished(name) ? undefined : done, "delete"));
  return inOrder(lines);
}

const sum = (phases: readonly { ms: number }[]): number => phases.reduce((a, p) => a + p.ms, 0);

describe("bench event stream: lines", () => {
  it("stamps each line when its end arrives, across chunk boundaries, skipping blank lines", () => {
    const lines: StampedLine[] = [];
    let now = 0;
    const listen = stampLines(() => now, lines);
    now = 10;
    listen(Buffer.from('{"a":'));
    assert.deepEqual(lines, [], "nothing before a line ends");
    now = 20;
    listen(Buffer.from('1}\n{"b":2}\n\n   \n{"c"'));
    now = 35;
    listen(Buffer.from(":3}\n"));
    assert.deepEqual(lines, [{ atMs: 20, line: '{"a":1}' }, { atMs: 20, line: '{"b":2}' }, { atMs: 35, line: '{"c":3}' }]);
  });

  it("keeps a multi-byte UTF-8 character whole when a chunk ends inside it", () => {
    const lines: StampedLine[] = [];
    let now = 1;
    const listen = stampLines(() => now, lines);
    const bytes = Buffer.from('{"message":"café ✓"}\n', "utf8");
    const e = bytes.indexOf(0xc3); // the first of é's two bytes
    const check = bytes.indexOf(0xe2); // the first of ✓'s three bytes
    listen(bytes.subarray(0, e + 1));
    now = 2;
    listen(bytes.subarray(e + 1, check + 2));
    now = 3;
    listen(bytes.subarray(check + 2));
    assert.deepEqual(lines, [{ atMs: 3, line: '{"message":"café ✓"}' }]);
    assert.doesNotMatch(lines[0].line, /\uFFFD/);
  });

  it("gives the messages of error diagnostics only, trimmed, skipping lines that are not events", () => {
    const at = (line: string): StampedLine => ({ atMs: 0, line });
    const lines = [
      at("warning: not JSON"),
      at(JSON.stringify({ diagnosticEvent: { severity: "info", message: "creating\n" } })),
      at(JSON.stringify({ diagnosticEvent: { severity: "warning", message: "deprecated" } })),
      at(JSON.stringify({ diagnosticEvent: { severity: "error", message: "  docker: port is already allocated\n", urn: urn(CONTAINER, "pg-s-primary") } })),
      at(JSON.stringify({ diagnosticEvent: { severity: "info#err", message: "stderr of the program" } })),
      at("null"),
      at(JSON.stringify({ diagnosticEvent: { severity: "error" } })),
      at(JSON.stringify({ diagnosticEvent: { severity: "error", message: "update failed" } })),
    ];
    assert.deepEqual(errorDiagnostics(lines), ["docker: port is already allocated", "update failed"]);
    assert.deepEqual(errorDiagnostics([]), []);
  });
});

describe("bench event stream: step timings", () => {
  it("keeps the first pre event and the first outputs of each URN, and skips lines that are not JSON", () => {
    const primary = urn(CONTAINER, "pg-s-primary");
    const seed = urn(COMMAND, "pg-s-replica-1-basebackup");
    const ev = (atMs: number, kind: "resourcePreEvent" | "resOutputsEvent", u: string, type: string, op = "create"): StampedLine =>
      ({ atMs, line: JSON.stringify({ [kind]: { metadata: { op, urn: u, type } } }) });
    const lines: StampedLine[] = [
      { atMs: 1, line: "Updating (s):" },
      ev(100, "resOutputsEvent", seed, COMMAND), // outputs before its pre event: not its end
      ev(200, "resourcePreEvent", primary, CONTAINER),
      { atMs: 250, line: "{ not json" },
      ev(300, "resourcePreEvent", primary, CONTAINER, "update"),
      ev(400, "resOutputsEvent", primary, CONTAINER),
      ev(500, "resOutputsEvent", primary, CONTAINER),
      ev(600, "resourcePreEvent", seed, COMMAND),
      { atMs: 650, line: JSON.stringify({ stdoutEvent: { message: "hello" } }) },
      { atMs: 660, line: "42" },
    ];
    const expected: ResourceTiming[] = [
      { urn: primary, type: CONTAINER, name: "pg-s-primary", op: "create", startMs: 200, doneMs: 400 },
      { urn: seed, type: COMMAND, name: "pg-s-replica-1-basebackup", op: "create", startMs: 600 },
    ];
    assert.deepEqual(resourceTimings(lines), expected);
    assert.deepEqual(resourceTimings([]), []);
  });

  it("names a resource by the last part of its URN, and records its type and op", () => {
    const [t] = resourceTimings(step(VOLUME, "pg-s-replica-2-data", 5, 9, "delete"));
    assert.deepEqual(t, { urn: urn(VOLUME, "pg-s-replica-2-data"), type: VOLUME, name: "pg-s-replica-2-data", op: "delete", startMs: 5, doneMs: 9 });
  });
});

describe("bench event stream: phases", () => {
  it("runs each phase from the previous boundary to its own", () => {
    assert.deepEqual(phasesFrom([["a", 100], ["b", 250], ["c", 600]]), [{ name: "a", ms: 100 }, { name: "b", ms: 150 }, { name: "c", ms: 350 }]);
    assert.deepEqual(phasesFrom([]), []);
  });

  it("makes a boundary earlier than the previous one a phase of 0, so the phases add up to the last boundary", () => {
    const phases = phasesFrom([["a", 100], ["b", 300], ["c", 200], ["d", 450]]);
    assert.deepEqual(phases, [{ name: "a", ms: 100 }, { name: "b", ms: 200 }, { name: "c", ms: 0 }, { name: "d", ms: 150 }]);
    assert.equal(sum(phases), 450);
  });

  it("splits a fresh cluster's time to ready at its steps (1 standby)", () => {
    const phases = upPhases(resourceTimings(upStream(1)), 9500, 9900);
    assert.deepEqual(phases.map((p) => p.name), [...UP_PHASES]);
    assert.deepEqual(phases.map((p) => p.ms), [
      1500, // engine and program start: until the component's step starts
      800, // image, volumes, bootstrap, network: until the primary container's step starts (2300)
      2700, // primary container: until it is done (5000)
      800, // settings and credentials: until the base backup starts (5800)
      1700, // base backups: until done (7500)
      1400, // standby start: until the standby container is done (8900)
      600, // standby list, engine finish: until `up` exits (9500)
      400, // verify: until it passed (9900)
    ]);
    assert.equal(sum(phases), 9900);
  });

  it("takes the first base backup's start and the last standby's end with 3 standbys", () => {
    // base backups 5800-7500, 5900-7900, 6000-8300; standbys done at 8900, 9100, 9300.
    const phases = upPhases(resourceTimings(upStream(3)), 9600, 10_000);
    assert.deepEqual(phases.map((p) => p.ms), [1500, 800, 2700, 800, 2500, 1000, 300, 400]);
    assert.equal(sum(phases), 10_000);
  });

  it("says which step is missing from an up's event stream, or never finished", () => {
    const timings = (omit: (type: string, name: string) => boolean, unfinished?: (name: string) => boolean) => resourceTimings(upStream(1, omit, unfinished));
    assert.throws(() => upPhases(timings((t) => t === CLUSTER), 9500, 9900), /^Error: the event stream has no step for the cluster component$/);
    assert.throws(() => upPhases(timings((_, n) => n === "pg-s-primary"), 9500, 9900), /^Error: the event stream has no step for the primary container$/);
    assert.throws(() => upPhases(timings((_, n) => n.endsWith("-basebackup")), 9500, 9900), /^Error: the event stream has no step for a base backup$/);
    assert.throws(() => upPhases(timings((_, n) => n === "pg-s-replica-1"), 9500, 9900), /^Error: the event stream has no step for the standby containers$/);
    assert.throws(() => upPhases(timings(() => false, (n) => n === "pg-s-primary"), 9500, 9900), /^Error: a step for the primary container never finished$/);
    assert.throws(() => upPhases(timings(() => false, (n) => n === "pg-s-replica-1-basebackup"), 9500, 9900), /^Error: a step for the base backups never finished$/);
    assert.throws(() => upPhases(timings(() => false, (n) => n === "pg-s-replica-1"), 9500, 9900), /^Error: a step for the standby containers never finished$/);
    assert.throws(() => upPhases([], 9500, 9900), /no step for the cluster component/);
  });

  it("does not take a volume named after a node for its container", () => {
    const timings = resourceTimings(upStream(1, (t, n) => t === CONTAINER && n === "pg-s-replica-1"));
    assert.ok(timings.some((t) => t.name === "pg-s-replica-1-data"));
    assert.throws(() => upPhases(timings, 9500, 9900), /no step for the standby containers/);
  });

  it("splits a destroy at its steps, leaving out the stack and the component", () => {
    const phases = destroyPhases(resourceTimings(destroyStream()), 5000);
    assert.deepEqual(phases, [
      { name: DESTROY_PHASES[0], ms: 1100 }, // engine start: until the first resource's step starts
      { name: DESTROY_PHASES[1], ms: 2700 }, // containers: until the last container is gone (3800)
      { name: DESTROY_PHASES[2], ms: 650 }, // the rest: until the last step (the provider, 4450)
      { name: DESTROY_PHASES[3], ms: 550 }, // engine finish: until `destroy` exits
    ]);
    assert.equal(sum(phases), 5000);
  });

  it("says which step is missing from a destroy's event stream, or never finished", () => {
    const noContainers = resourceTimings(destroyStream()).filter((t) => t.type !== CONTAINER);
    assert.throws(() => destroyPhases(noContainers, 5000), /^Error: the event stream has no step for the containers$/);
    assert.throws(() => destroyPhases(resourceTimings(destroyStream((n) => n === "pg-s-primary")), 5000), /^Error: a step for the containers never finished$/);
    assert.throws(() => destroyPhases(resourceTimings(destroyStream((n) => n === "pg-s-net")), 5000), /^Error: a step for the resources never finished$/);
    const onlyStackAndComponent = resourceTimings(destroyStream()).filter((t) => t.type === STACK_TYPE || t.type === CLUSTER);
    assert.throws(() => destroyPhases(onlyStackAndComponent, 5000), /^Error: the event stream has no step for any resource$/);
  });
});

describe("resourceTimings on lines that are JSON but not engine events", () => {
  it("skips null, numbers and strings", () => {
    assert.deepEqual(resourceTimings([{ atMs: 1, line: "null" }, { atMs: 2, line: "42" }, { atMs: 3, line: "\"text\"" }]), []);
  });
});
