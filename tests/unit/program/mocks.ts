/**
 * Pulumi mocks that record every resource the program registers, so tests can
 * read the component as a specification: what was created, with which inputs,
 * in which order.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** Order in which newResource was called, and in which it returned. */
  readonly started: number;
  finished: number;
}

/** Marker Pulumi wraps secret values in when they reach the mocks. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export function isSecretValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] !== undefined;
}

export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG] !== undefined) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: Recorded[] = [];
  private clock = 0;
  /** Milliseconds newResource takes for a given resource name, to make ordering observable. */
  readonly delays = new Map<string, number>();

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, unknown> }> {
    const record: Recorded = { type: args.type, name: args.name, inputs: args.inputs, started: ++this.clock, finished: 0 };
    this.resources.push(record);
    await new Promise((resolve) => setTimeout(resolve, this.delays.get(args.name) ?? 1));
    record.finished = ++this.clock;
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "docker:index/network:Network") {
      state.ipamConfigs = [{ subnet: "172.30.0.0/16", gateway: "172.30.0.1" }];
    }
    if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = "sha256:0123";
    if (args.type === "random:index/randomPassword:RandomPassword") state.result = `generated-${args.name}`;
    return { id: `${args.name}-id`, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    throw new Error(`unexpected call ${args.token}`);
  }

  find(type: string, name: string): Recorded {
    const found = this.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; have: ${this.resources.map((r) => r.name).join(", ")}`);
    return found;
  }

  ofType(type: string): Recorded[] {
    return this.resources.filter((r) => r.type === type);
  }
}

/** Resolves an Output under mocks (secrets included). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}
