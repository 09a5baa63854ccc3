/**
 * What the bench must undo however it ends: normal end, a failed
 * measurement, Ctrl-C or SIGTERM. Each resource registers its undo step when
 * it is about to be created and unregisters once removed; `runAll` undoes what
 * is left, newest first, and never throws (one failed step must not keep the
 * others from running).
 */

type Step = { readonly name: string; readonly undo: () => Promise<void> };

export class Cleanups {
  private steps: Step[] = [];

  /** Registers an undo step; the returned function unregisters it. */
  add(name: string, undo: () => Promise<void>): () => void {
    const step = { name, undo };
    this.steps.push(step);
    return () => {
      this.steps = this.steps.filter((s) => s !== step);
    };
  }

  /** Drops the steps of that name: what they would undo is already gone. */
  forget(name: string): void {
    this.steps = this.steps.filter((s) => s.name !== name);
  }

  get pending(): readonly string[] {
    return this.steps.map((s) => s.name);
  }

  /** Runs every registered step, newest first; returns the failures as lines. */
  async runAll(log: (line: string) => void): Promise<string[]> {
    const failures: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop() as Step;
      log(`cleanup: ${step.name}`);
      try {
        await step.undo();
      } catch (error) {
        failures.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return failures;
  }
}
