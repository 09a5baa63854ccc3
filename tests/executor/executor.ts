/**
 * The `pulumi.runtime.Mocks` whose `newResource` applies each resource to the
 * local Docker engine with the real providers' semantics (see resources/).
 *
 * - Strict: an unknown resource type, an unimplemented input, an invoke or a
 *   read/import of an existing resource is an error, never ignored.
 * - Records every created resource (type, name, id, inputs, outputs) and
 *   persists the record after every create, so another process can tear down.
 * - The first failure is kept: Pulumi surfaces a `newResource` exception only
 *   as a rejected promise, so `deploy()` asks the executor what went wrong.
 *   After a failure no new resource is created (the engine's default, too:
 *   it starts no new step after an error), only in-flight ones finish.
 */
import type * as pulumi from "@pulumi/pulumi";

import { ExecutorError, plainObject } from "./inputs";
import { HANDLERS } from "./resources";
import type { HandlerContext, ResourceRecord } from "./resources/types";
import { StateWriter, type StackStatus, type StateFile } from "./state-file";
import { describeFailures, shortType, teardown, type TeardownFailure } from "./teardown";

export interface ExecutorOptions {
  readonly project: string;
  readonly stack: string;
  readonly program: string;
  readonly stateDir: string;
  readonly log: (line: string) => void;
}

export class DockerExecutor implements pulumi.runtime.Mocks {
  private readonly records: ResourceRecord[] = [];
  private readonly writer: StateWriter;
  private status: StackStatus = "creating";
  private firstFailure: Error | undefined;
  private readonly ctx: HandlerContext;

  constructor(private readonly options: ExecutorOptions) {
    this.writer = new StateWriter(options.stateDir);
    this.ctx = { log: options.log };
  }

  /** The first error of any create or invoke, if one failed. */
  get failure(): Error | undefined {
    return this.firstFailure;
  }

  get resources(): readonly ResourceRecord[] {
    return [...this.records];
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
    // Component resources exist only in Pulumi's state; nothing to apply.
    if (args.custom !== true) return { id: undefined, state: args.inputs as Record<string, unknown> };
    try {
      if (this.firstFailure !== undefined) {
        throw new ExecutorError(args.type, args.name, "not created: an earlier resource failed");
      }
      if (args.id !== undefined && args.id !== "") {
        throw new ExecutorError(args.type, args.name, "reading or importing an existing resource is not implemented");
      }
      const handler = HANDLERS.get(args.type);
      if (handler === undefined) throw new ExecutorError(args.type, args.name, "resource type is not implemented");
      let inputs;
      try {
        inputs = plainObject(args.inputs);
      } catch (error) {
        throw new ExecutorError(args.type, args.name, (error as Error).message);
      }
      const started = Date.now();
      const result = await handler.create(args.name, inputs, this.ctx);
      const record: ResourceRecord = {
        type: args.type, name: args.name, id: result.id, inputs, outputs: result.outputs, createdAt: new Date().toISOString(),
      };
      this.records.push(record);
      await this.persist();
      this.options.log(`created ${shortType(args.type)} ${args.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return { id: result.id, state: result.outputs };
    } catch (error) {
      this.recordFailure(error);
      throw error;
    }
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const error = new Error(`executor: invoke '${args.token}' is not implemented`);
    this.recordFailure(error);
    throw error;
  }

  recordFailure(error: unknown): void {
    if (this.firstFailure === undefined) this.firstFailure = error instanceof Error ? error : new Error(String(error));
  }

  async setStatus(status: StackStatus): Promise<void> {
    this.status = status;
    await this.persist();
  }

  /** Deletes everything created so far, newest first; returns what could not be deleted. */
  async destroy(): Promise<TeardownFailure[]> {
    this.status = "destroying";
    await this.persist();
    const failures = await teardown(this.records, {
      ...this.ctx,
      onProgress: async (remaining) => {
        this.records.splice(0, this.records.length, ...remaining);
        await this.persist();
      },
    });
    if (failures.length > 0) this.options.log(`teardown left resources behind:\n${describeFailures(failures)}`);
    return failures;
  }

  private snapshot(): StateFile {
    return {
      version: 1,
      project: this.options.project,
      stack: this.options.stack,
      program: this.options.program,
      status: this.status,
      updatedAt: new Date().toISOString(),
      resources: [...this.records],
    };
  }

  persist(): Promise<void> {
    return this.writer.write(this.snapshot());
  }
}
