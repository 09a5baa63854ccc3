/**
 * One run per mode at a time: two full runs would share stack names and
 * ports, and each would sweep the other's containers as leftovers. (A full
 * and a quick run use different names and ports, and may overlap.)
 */
import { open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock or throws naming the run that holds it; returns the release function. */
export async function acquireLock(mode: string): Promise<() => Promise<void>> {
  const path = join(tmpdir(), `pg-replication-bench-${mode}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`another ${mode} bench run (pid ${pid}) is in progress (lock ${path})`);
      }
      // The run that held it is gone: the lock is stale.
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}
