/**
 * Where the time of a `pulumi up` or `pulumi destroy` goes, from the engine's
 * own event stream (`--json` prints one engine event per line as it happens).
 * The events' timestamps are whole seconds, so the bench stamps each line with
 * its own monotonic clock when the line arrives; these functions turn those
 * stamps into phases. Pure but for the clock `stampLines` is given.
 */
import { StringDecoder } from "node:string_decoder";

/** One line of `pulumi up --json`, stamped on arrival (ms since the command started). */
export interface StampedLine {
  readonly atMs: number;
  readonly line: string;
}

/** A stdout listener that splits the output into lines, each stamped with `clock()` when its end arrived. */
export function stampLines(clock: () => number, into: StampedLine[]): (chunk: Buffer) => void {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  return (chunk) => {
    const atMs = clock();
    const parts = (partial + decoder.write(chunk)).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) if (line.trim() !== "") into.push({ atMs, line });
  };
}

/** The messages of the engine's error diagnostics in an event stream: why an `up --json` failed. */
export function errorDiagnostics(lines: readonly StampedLine[]): string[] {
  const messages: string[] = [];
  for (const { line } of lines) {
    try {
      const d = (JSON.parse(line) as { diagnosticEvent?: { severity?: string; message?: string; urn?: string } }).diagnosticEvent;
      if (d?.severity === "error" && d.message !== undefined) messages.push(d.message.trim());
    } catch {
      // not an engine event
    }
  }
  return messages;
}

/** When the engine began and finished a step on one resource (ms since the command started). */
export interface ResourceTiming {
  readonly urn: string;
  /** The resource's type token, e.g. `docker:index/container:Container`. */
  readonly type: string;
  /** The resource's name, the last part of its URN. */
  readonly name: string;
  readonly op: string;
  readonly startMs: number;
  /** Absent when the step never finished (the command failed). */
  readonly doneMs?: number;
}

interface StepEvent {
  readonly metadata?: { readonly op?: string; readonly urn?: string; readonly type?: string };
}

interface EngineEvent {
  readonly resourcePreEvent?: StepEvent;
  readonly resOutputsEvent?: StepEvent;
}

/** The step timings of one command's event stream; lines that are not engine events are skipped. */
export function resourceTimings(lines: readonly StampedLine[]): ResourceTiming[] {
  const byUrn = new Map<string, { type: string; op: string; startMs: number; doneMs?: number }>();
  for (const { atMs, line } of lines) {
    let event: EngineEvent | null;
    try {
      event = JSON.parse(line) as EngineEvent | null;
    } catch {
      continue;
    }
    if (typeof event !== "object" || event === null) continue;
    const pre = event.resourcePreEvent?.metadata;
    if (pre?.urn !== undefined && !byUrn.has(pre.urn)) byUrn.set(pre.urn, { type: pre.type ?? "", op: pre.op ?? "", startMs: atMs });
    const done = event.resOutputsEvent?.metadata;
    const known = done?.urn === undefined ? undefined : byUrn.get(done.urn);
    if (known !== undefined && known.doneMs === undefined) known.doneMs = atMs;
  }
  return [...byUrn].map(([urn, t]) => ({ urn, name: urn.slice(urn.lastIndexOf("::") + 2), ...t }));
}

/** A named stretch of a command's time; the phases of one run follow each other and add up to its total. */
export interface Phase {
  readonly name: string;
  readonly ms: number;
}

/**
 * Phases from boundaries in time order: each phase runs from the previous
 * boundary (or 0) to its own. A boundary earlier than the one before it (two
 * steps that overlapped) makes its phase 0 rather than negative, so the
 * phases still add up to the last boundary.
 */
export function phasesFrom(boundaries: readonly (readonly [string, number])[]): Phase[] {
  const phases: Phase[] = [];
  let previous = 0;
  for (const [name, at] of boundaries) {
    const end = Math.max(previous, at);
    phases.push({ name, ms: end - previous });
    previous = end;
  }
  return phases;
}

/** The phases of the cluster program's `up` and time to ready, in order; the chart and the table use these names. */
export const UP_PHASES = [
  "engine and program start",
  "image, volumes, bootstrap, network",
  "primary container",
  "settings and credentials",
  "base backups",
  "standby start",
  "standby list, engine finish",
  "verify",
] as const;

export const DESTROY_PHASES = ["engine start", "containers", "volumes, network, the rest", "engine finish"] as const;

const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";
const COMPONENT = "pg-replication:index:Cluster";

function firstStart(timings: readonly ResourceTiming[], match: (t: ResourceTiming) => boolean, what: string): number {
  const found = timings.filter(match);
  if (found.length === 0) throw new Error(`the event stream has no step for ${what}`);
  return Math.min(...found.map((t) => t.startMs));
}

function lastDone(timings: readonly ResourceTiming[], match: (t: ResourceTiming) => boolean, what: string): number {
  const found = timings.filter(match);
  if (found.length === 0) throw new Error(`the event stream has no step for ${what}`);
  const done = found.map((t) => t.doneMs);
  if (done.some((d) => d === undefined)) throw new Error(`a step for ${what} never finished`);
  return Math.max(...(done as number[]));
}

const isStandbyContainer = (t: ResourceTiming): boolean => t.type === CONTAINER && /-replica-\d+$/.test(t.name);
const isPrimaryContainer = (t: ResourceTiming): boolean => t.type === CONTAINER && t.name.endsWith("-primary");
const isBaseBackup = (t: ResourceTiming): boolean => t.type === COMMAND && t.name.endsWith("-basebackup");

/**
 * The phases of a fresh cluster's time to ready: `up` of the program on an
 * empty stack, stamped, then `verify` until it passed.
 */
export function upPhases(timings: readonly ResourceTiming[], upExitMs: number, verifiedMs: number): Phase[] {
  return phasesFrom([
    [UP_PHASES[0], firstStart(timings, (t) => t.type === COMPONENT, "the cluster component")],
    [UP_PHASES[1], firstStart(timings, isPrimaryContainer, "the primary container")],
    [UP_PHASES[2], lastDone(timings, isPrimaryContainer, "the primary container")],
    [UP_PHASES[3], firstStart(timings, isBaseBackup, "a base backup")],
    [UP_PHASES[4], lastDone(timings, isBaseBackup, "the base backups")],
    [UP_PHASES[5], lastDone(timings, isStandbyContainer, "the standby containers")],
    [UP_PHASES[6], upExitMs],
    [UP_PHASES[7], verifiedMs],
  ]);
}

/** The phases of `pulumi destroy` of a cluster. */
export function destroyPhases(timings: readonly ResourceTiming[], exitMs: number): Phase[] {
  const steps = timings.filter((t) => t.type !== "pulumi:pulumi:Stack" && t.type !== COMPONENT);
  return phasesFrom([
    [DESTROY_PHASES[0], firstStart(steps, () => true, "any resource")],
    [DESTROY_PHASES[1], lastDone(steps, (t) => t.type === CONTAINER, "the containers")],
    [DESTROY_PHASES[2], lastDone(steps, () => true, "the resources")],
    [DESTROY_PHASES[3], exitMs],
  ]);
}
