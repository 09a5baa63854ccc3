/**
 * Deletes recorded resources in reverse creation order. Creation order is a
 * dependency order (a resource registers only after everything it depends on
 * has returned from `newResource`), so its reverse deletes dependents first,
 * as the engine does: a standby's container, then the Command that seeded it
 * (its `delete` drops the replication slot while the primary still runs), then
 * the primary, the volumes, the network.
 */
import { HANDLERS } from "./resources";
import type { HandlerContext, ResourceRecord } from "./resources/types";

export interface TeardownFailure {
  readonly record: ResourceRecord;
  readonly error: Error;
}

export interface TeardownOptions extends HandlerContext {
  /** Called after each step with the records still present, to persist them. */
  readonly onProgress?: (remaining: readonly ResourceRecord[]) => Promise<void>;
}

/**
 * Deletes every record, newest first. A failed delete does not stop the
 * others (a test tool must leave as little behind as it can); the failed
 * records are returned, still "present".
 */
export async function teardown(records: readonly ResourceRecord[], options: TeardownOptions): Promise<TeardownFailure[]> {
  const remaining = [...records];
  const failures: TeardownFailure[] = [];
  for (const record of [...records].reverse()) {
    const handler = HANDLERS.get(record.type);
    try {
      if (handler === undefined) throw new Error(`executor: cannot delete ${record.type} '${record.name}': type not implemented`);
      await handler.destroy(record, options);
      remaining.splice(remaining.indexOf(record), 1);
      options.log(`deleted ${shortType(record.type)} ${record.name}`);
    } catch (error) {
      failures.push({ record, error: error instanceof Error ? error : new Error(String(error)) });
    }
    await options.onProgress?.(remaining);
  }
  return failures;
}

/** `docker:index/container:Container` -> `Container`, for progress lines. */
export function shortType(type: string): string {
  return type.split(":").pop() ?? type;
}

export function describeFailures(failures: readonly TeardownFailure[]): string {
  return failures.map((f) => `${shortType(f.record.type)} ${f.record.name}: ${f.error.message}`).join("\n");
}
