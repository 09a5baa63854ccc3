/** What every resource handler of the executor implements, and what it records. */
import type { InputSpec, PlainObject } from "./inputs";

/** One created resource, as persisted in the state file for teardown. */
export interface ResourceRecord {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** Inputs as the program gave them, secrets revealed (a Command's delete needs its environment). */
  readonly inputs: PlainObject;
  readonly outputs: PlainObject;
  readonly createdAt: string;
}

export interface CreateResult {
  readonly id: string;
  /** Everything `newResource` returns as the resource's state. */
  readonly outputs: PlainObject;
}

export interface HandlerContext {
  /** Progress for people watching (`npm run sandbox`); never secrets. */
  readonly log: (line: string) => void;
}

export interface ResourceHandler {
  /** Pulumi type token, e.g. `docker:index/network:Network`. */
  readonly type: string;
  /** The inputs this handler implements; any other is refused. */
  readonly spec: InputSpec;
  create(name: string, inputs: PlainObject, ctx: HandlerContext): Promise<CreateResult>;
  destroy(record: ResourceRecord, ctx: HandlerContext): Promise<void>;
}
