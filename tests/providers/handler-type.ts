/**
 * A ResourceType built from one of the executor's resource handlers (create and
 * delete against the real Docker engine), a diff table and the type's own
 * read/update steps.
 */
import { assertImplemented, plainObject, type PlainObject } from "./inputs";
import type { ResourceHandler } from "./handler";
import { diffProperties, type DiffTable } from "./diff";
import type { CheckOutcome, ReadOutcome, ResourceType } from "./server";
import { keepSecrecy, type PropertyMap } from "./values";

export interface HandlerTypeOptions {
  readonly handler: ResourceHandler;
  readonly table: DiffTable;
  /** pulumi-docker's DeleteBeforeReplace for the type. */
  readonly deleteBeforeReplace: boolean;
  /** The real provider's defaults, applied by Check when the input is absent. */
  readonly defaults?: (inputs: PlainObject) => PlainObject;
  read?(id: string, outputs: PropertyMap, inputs: PropertyMap): Promise<ReadOutcome | undefined>;
  update?(id: string, olds: PropertyMap, news: PropertyMap): Promise<PropertyMap>;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export function handlerType(options: HandlerTypeOptions): ResourceType {
  const { handler } = options;
  return {
    token: handler.type,
    check(name: string, _olds: PropertyMap, news: PropertyMap): CheckOutcome {
      try {
        assertImplemented(handler.type, name, plainObject(news), handler.spec);
      } catch (error) {
        return { inputs: news, failures: [{ property: "", reason: (error as Error).message }] };
      }
      const defaults = options.defaults?.(plainObject(news)) ?? {};
      const inputs: PropertyMap = { ...defaults, ...news };
      return { inputs, failures: [] };
    },
    diff(oldInputs: PropertyMap, _oldOutputs: PropertyMap, news: PropertyMap) {
      return diffProperties(options.table, oldInputs, news, options.deleteBeforeReplace);
    },
    async create(name: string, inputs: PropertyMap) {
      const created = await handler.create(name, plainObject(inputs), { log });
      return { id: created.id, outputs: keepSecrecy(inputs, created.outputs) };
    },
    async read(id: string, outputs: PropertyMap, inputs: PropertyMap) {
      if (options.read !== undefined) return options.read(id, outputs, inputs);
      return { id, outputs, inputs };
    },
    async update(id: string, _name: string, olds: PropertyMap, news: PropertyMap) {
      if (options.update !== undefined) return keepSecrecy(news, await options.update(id, olds, news));
      return keepSecrecy(news, { ...olds, ...news });
    },
    async delete(id: string, outputs: PropertyMap, oldInputs: PropertyMap) {
      await handler.destroy({
        type: handler.type, name: "", id, inputs: plainObject(oldInputs), outputs: plainObject(outputs), createdAt: "",
      }, { log });
    },
  };
}
