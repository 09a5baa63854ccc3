/**
 * The gRPC side of a stand-in provider plugin: what the Pulumi engine calls
 * (pulumi/pulumi proto/pulumi/provider.proto) mapped onto one `ResourceType`
 * per type token. The stand-ins exist because the real docker and random
 * providers are not used by the tests (docs/DEVELOPMENT.md); the engine, CLI
 * and language host that talk to them are the real ones.
 *
 * Why not `@pulumi/pulumi/provider`'s `main`: its Diff cannot return a
 * detailed diff, so `pulumi preview --diff` could not say which property
 * replaces a resource, as the real bridged providers do.
 *
 * - Preview: Configure says `supportsPreview: false`, so the engine never
 *   calls Create or Update during a preview; their outputs are unknown there.
 * - Secrets: accepted as secrets (acceptSecrets) and returned wrapped, so an
 *   output that echoes a secret input stays secret in the state.
 * - Strict: a type, a provider config key or an input that the stand-in does
 *   not implement fails Check with the property named, never ignored.
 */
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";

import { type DiffOutcome, type PropertyChange } from "./diff";
import { type PropertyMap } from "./values";

export interface CheckOutcome {
  readonly inputs: PropertyMap;
  readonly failures: readonly { property: string; reason: string }[];
}

export interface ReadOutcome {
  readonly id: string;
  readonly outputs: PropertyMap;
  readonly inputs: PropertyMap;
}

/** One resource type of a stand-in provider, with its lifecycle steps side by side. */
export interface ResourceType {
  readonly token: string;
  /** Applies the real provider's defaults and refuses what is not implemented. */
  check(name: string, olds: PropertyMap, news: PropertyMap): CheckOutcome;
  /** What changes between the old state (bridged providers) or old inputs (command) and the new inputs, and whether that replaces. */
  diff(oldInputs: PropertyMap, oldOutputs: PropertyMap, news: PropertyMap): DiffOutcome;
  create(name: string, inputs: PropertyMap, timeoutSeconds: number): Promise<{ id: string; outputs: PropertyMap }>;
  /** `undefined`: the object is gone, and the engine drops it from the state. */
  read(id: string, outputs: PropertyMap, inputs: PropertyMap): Promise<ReadOutcome | undefined>;
  update(id: string, name: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap): Promise<PropertyMap>;
  delete(id: string, outputs: PropertyMap, oldInputs: PropertyMap): Promise<void>;
}

export interface StandInProvider {
  readonly name: string;
  readonly version: string;
  readonly types: readonly ResourceType[];
  /** Provider configuration keys accepted (besides `version`); anything else is refused. */
  readonly configKeys?: readonly string[];
}

/** The type token of a resource from its URN (`urn:pulumi:stack::project::parent$type::name`). */
export function typeFromUrn(urn: string): string {
  const qualifiedType = urn.split("::")[2] ?? "";
  return qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1);
}

export function nameFromUrn(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

function toMap(struct: structproto.Struct | undefined): PropertyMap {
  return (struct?.toJavaScript() ?? {}) as PropertyMap;
}

function toStruct(map: PropertyMap): structproto.Struct {
  return structproto.Struct.fromJavaScript(map as Record<string, structproto.JavaScriptValue>);
}

const KIND: Readonly<Record<PropertyChange["kind"], provproto.PropertyDiff.Kind>> = {
  add: provproto.PropertyDiff.Kind.ADD,
  "add-replace": provproto.PropertyDiff.Kind.ADD_REPLACE,
  delete: provproto.PropertyDiff.Kind.DELETE,
  "delete-replace": provproto.PropertyDiff.Kind.DELETE_REPLACE,
  update: provproto.PropertyDiff.Kind.UPDATE,
  "update-replace": provproto.PropertyDiff.Kind.UPDATE_REPLACE,
};

type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;

/** Wraps an async handler: a thrown error becomes the gRPC error the engine prints. */
function unary<Req, Res>(handler: (request: Req) => Promise<Res> | Res): Unary<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handler(call.request))
      .then((response) => callback(null, response))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        callback({ code: grpc.status.UNKNOWN, details: message, name: "Error", message });
      });
  };
}

function unimplemented(what: string): Unary<unknown, unknown> {
  return (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: `${what} is not implemented`, name: "Error", message: what });
}

export function providerService(provider: StandInProvider): grpc.UntypedServiceImplementation {
  const byToken = new Map(provider.types.map((t) => [t.token, t]));
  const typeOf = (urn: string): ResourceType => {
    const token = typeFromUrn(urn);
    const type = byToken.get(token);
    if (type === undefined) {
      throw new Error(`${provider.name} stand-in: resource type ${token} is not implemented`);
    }
    return type;
  };
  const accepted = new Set(["version", ...(provider.configKeys ?? [])]);

  return {
    handshake: unary((_req: provproto.ProviderHandshakeRequest) =>
      new provproto.ProviderHandshakeResponse().setAcceptSecrets(true).setAcceptResources(false).setAcceptOutputs(false)),
    getPluginInfo: unary(() => new plugproto.PluginInfo().setVersion(provider.version)),
    getSchema: unary(() => new provproto.GetSchemaResponse().setSchema("{}")),
    checkConfig: unary((req: provproto.CheckRequest) => {
      const news = toMap(req.getNews());
      const failures = Object.keys(news)
        .filter((key) => !accepted.has(key))
        .map((key) => new provproto.CheckFailure().setProperty(key).setReason(
          `provider setting ${provider.name}:${key} is not implemented by the ${provider.name} stand-in`));
      return new provproto.CheckResponse().setInputs(toStruct(news)).setFailuresList(failures);
    }),
    diffConfig: unary((req: provproto.DiffRequest) => {
      const olds = JSON.stringify(toMap(req.getOldInputs() ?? req.getOlds()));
      const news = JSON.stringify(toMap(req.getNews()));
      return new provproto.DiffResponse().setChanges(olds === news
        ? provproto.DiffResponse.DiffChanges.DIFF_NONE : provproto.DiffResponse.DiffChanges.DIFF_SOME);
    }),
    configure: unary(() => new provproto.ConfigureResponse()
      .setAcceptsecrets(true).setSupportspreview(false).setAcceptresources(false).setAcceptoutputs(false)),
    check: unary(async (req: provproto.CheckRequest) => {
      const outcome = await typeOf(req.getUrn()).check(nameFromUrn(req.getUrn()), toMap(req.getOlds()), toMap(req.getNews()));
      return new provproto.CheckResponse()
        .setInputs(toStruct(outcome.inputs))
        .setFailuresList(outcome.failures.map((f) => new provproto.CheckFailure().setProperty(f.property).setReason(f.reason)));
    }),
    diff: unary((req: provproto.DiffRequest) => {
      const oldInputs = req.hasOldInputs() ? toMap(req.getOldInputs()) : toMap(req.getOlds());
      const outcome = typeOf(req.getUrn()).diff(oldInputs, toMap(req.getOlds()), toMap(req.getNews()));
      const response = new provproto.DiffResponse()
        .setChanges(outcome.changes.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
        .setDiffsList(outcome.changes.map((c) => c.path.split(/[.[]/)[0] ?? c.path))
        .setReplacesList([...new Set(outcome.changes.filter((c) => c.kind.endsWith("replace")).map((c) => c.path.split(/[.[]/)[0] ?? c.path))])
        .setDeletebeforereplace(outcome.deleteBeforeReplace)
        .setHasdetaileddiff(true);
      const detailed = response.getDetaileddiffMap();
      // InputDiff false: both the bridge and infer (NewDetailedDiffFromObjectDiff(diff, false)) report
      // differences against the old state, which is what `preview --diff` then shows as the old value.
      for (const change of outcome.changes) {
        detailed.set(change.path, new provproto.PropertyDiff().setKind(KIND[change.kind]).setInputdiff(false));
      }
      return response;
    }),
    create: unary(async (req: provproto.CreateRequest) => {
      // Preview: nothing is created; the outputs stay unknown.
      if (req.getPreview()) return new provproto.CreateResponse().setId("").setProperties(req.getProperties());
      const created = await typeOf(req.getUrn()).create(nameFromUrn(req.getUrn()), toMap(req.getProperties()), req.getTimeout());
      return new provproto.CreateResponse().setId(created.id).setProperties(toStruct(created.outputs));
    }),
    read: unary(async (req: provproto.ReadRequest) => {
      const outcome = await typeOf(req.getUrn()).read(req.getId(), toMap(req.getProperties()), toMap(req.getInputs()));
      const response = new provproto.ReadResponse();
      // An empty id tells the engine the resource no longer exists.
      if (outcome === undefined) return response.setId("");
      return response.setId(outcome.id).setProperties(toStruct(outcome.outputs)).setInputs(toStruct(outcome.inputs));
    }),
    update: unary(async (req: provproto.UpdateRequest) => {
      // Preview: nothing is changed.
      if (req.getPreview()) return new provproto.UpdateResponse().setProperties(req.getNews());
      const oldInputs = req.hasOldInputs() ? toMap(req.getOldInputs()) : toMap(req.getOlds());
      const outputs = await typeOf(req.getUrn()).update(req.getId(), nameFromUrn(req.getUrn()), toMap(req.getOlds()), toMap(req.getNews()), oldInputs);
      return new provproto.UpdateResponse().setProperties(toStruct(outputs));
    }),
    delete: unary(async (req: provproto.DeleteRequest) => {
      const oldInputs = req.hasOldInputs() ? toMap(req.getOldInputs()) : toMap(req.getProperties());
      await typeOf(req.getUrn()).delete(req.getId(), toMap(req.getProperties()), oldInputs);
      return new emptyproto.Empty();
    }),
    cancel: unary(() => new emptyproto.Empty()),
    invoke: unimplemented("Invoke"),
    call: unimplemented("Call"),
    construct: unimplemented("Construct"),
    streamInvoke: unimplemented("StreamInvoke"),
    getMapping: unary(() => new provproto.GetMappingResponse().setProvider("").setData("")),
    getMappings: unary(() => new provproto.GetMappingsResponse()),
    attach: unary(() => new emptyproto.Empty()),
    parameterize: unimplemented("Parameterize"),
  };
}

/** Serves the provider on 127.0.0.1 and prints the port, as the engine expects of a plugin. */
export async function serve(provider: StandInProvider): Promise<void> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 1024 * 1024 * 400 });
  server.addService(provrpc.ResourceProviderService, providerService(provider));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
  process.stdout.write(`${port}\n`);
}
