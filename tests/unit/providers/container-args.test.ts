import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { PlainObject } from "../../providers/inputs";
import {
  containerCreateArgs, envFileContent, networkConnectArgs, planContainer,
} from "../../providers/docker/container-args";

/** The shape of the inputs the real program gives a primary container. */
function primaryInputs(overrides: PlainObject = {}): PlainObject {
  return {
    name: "pg-dev-primary",
    image: "sha256:38da095be6553ff6530379f25b9bba9246363750362910b2a413d9f2a5e9d75b",
    hostname: "primary",
    entrypoints: ["/etc/pg-replication/entrypoint.sh"],
    command: ["postgres", "-c", "wal_level=replica"],
    labels: [{ label: "pg-replication.stack", value: "dev" }, { label: "pg-replication.role", value: "primary" }],
    restart: "unless-stopped",
    stopSignal: "SIGINT",
    stopTimeout: 60,
    destroyGraceSeconds: 60,
    healthcheck: { tests: ["CMD-SHELL", "pg_isready -q -h /var/run/postgresql -p 5432"], interval: "1s", timeout: "5s", startPeriod: "120s", retries: 5 },
    wait: true,
    waitTimeout: 180,
    ports: [{ internal: 5432, external: 15432, ip: "127.0.0.1", protocol: "tcp" }],
    volumes: [{ volumeName: "pg-dev-primary-data", containerPath: "/var/lib/postgresql/data" }],
    networksAdvanced: [{ name: "pg-dev-net", aliases: ["primary"] }],
    uploads: [{ file: "/etc/pg-replication/secrets/superuser", content: "s3cret-pw", permissions: "0600" }],
    ...overrides,
  };
}

const flagValues = (args: readonly string[], flag: string): string[] =>
  args.flatMap((arg, i) => (arg === flag ? [args[i + 1] as string] : []));

describe("planContainer: docker create arguments", () => {
  const plan = planContainer("pg-dev-primary", primaryInputs());
  const args = containerCreateArgs(plan, "/tmp/env");

  it("passes the name explicitly and ends with IMAGE then the command", () => {
    assert.deepEqual(args.slice(0, 3), ["create", "--name", "pg-dev-primary"]);
    assert.deepEqual(args.slice(-4), [primaryInputs()["image"], "postgres", "-c", "wal_level=replica"]);
  });

  it("maps hostname, entrypoint, restart, stop signal and stop timeout", () => {
    assert.deepEqual(flagValues(args, "--hostname"), ["primary"]);
    assert.deepEqual(flagValues(args, "--entrypoint"), ["/etc/pg-replication/entrypoint.sh"]);
    assert.deepEqual(flagValues(args, "--restart"), ["unless-stopped"]);
    assert.deepEqual(flagValues(args, "--stop-signal"), ["SIGINT"]);
    assert.deepEqual(flagValues(args, "--stop-timeout"), ["60"]);
  });

  it("maps labels to --label key=value", () => {
    assert.deepEqual(flagValues(args, "--label"), ["pg-replication.stack=dev", "pg-replication.role=primary"]);
  });

  it("maps the healthcheck to CMD-SHELL with Go duration strings passed through", () => {
    assert.deepEqual(flagValues(args, "--health-cmd"), ["pg_isready -q -h /var/run/postgresql -p 5432"]);
    assert.deepEqual(flagValues(args, "--health-interval"), ["1s"]);
    assert.deepEqual(flagValues(args, "--health-timeout"), ["5s"]);
    assert.deepEqual(flagValues(args, "--health-start-period"), ["120s"]);
    assert.deepEqual(flagValues(args, "--health-retries"), ["5"]);
  });

  it("publishes the port on the given address and binds the named volume read-write", () => {
    assert.deepEqual(flagValues(args, "--publish"), ["127.0.0.1:15432:5432/tcp"]);
    assert.deepEqual(flagValues(args, "--volume"), ["pg-dev-primary-data:/var/lib/postgresql/data:rw"]);
  });

  it("creates on the default bridge with Init explicitly false, as the provider does", () => {
    assert.deepEqual(flagValues(args, "--network"), ["bridge"]);
    assert.ok(args.includes("--init=false"));
  });

  it("uses the env-file only when there are envs", () => {
    assert.deepEqual(flagValues(args, "--env-file"), ["/tmp/env"]);
    assert.deepEqual(flagValues(containerCreateArgs(plan, undefined), "--env-file"), []);
  });

  it("keeps the networks, uploads, wait and delete settings for after create", () => {
    assert.deepEqual(plan.networks, [{ name: "pg-dev-net", aliases: ["primary"] }]);
    assert.equal(plan.wait, true);
    assert.equal(plan.waitTimeoutSeconds, 180);
    assert.equal(plan.destroyGraceSeconds, 60);
    assert.equal(plan.start, true);
  });

  it("never puts an upload's content or an env value on the command line", () => {
    const withEnv = planContainer("c", primaryInputs({ envs: ["PGPASSWORD=env-secret"] }));
    const all = containerCreateArgs(withEnv, "/tmp/env").join("\u0000");
    assert.ok(!all.includes("s3cret-pw"));
    assert.ok(!all.includes("env-secret"));
    assert.equal(envFileContent(withEnv.env), "PGPASSWORD=env-secret\n");
  });
});

describe("planContainer: provider defaults and forms", () => {
  it("defaults restart to no, wait to false, waitTimeout to 60, destroyGraceSeconds to 0", () => {
    const plan = planContainer("c", { name: "c", image: "img" });
    assert.deepEqual(flagValues(containerCreateArgs(plan, undefined), "--restart"), ["no"]);
    assert.equal(plan.wait, false);
    assert.equal(plan.waitTimeoutSeconds, 60);
    assert.equal(plan.destroyGraceSeconds, 0);
    assert.equal(plan.removeVolumes, true);
    assert.equal(planContainer("c", { name: "c", image: "img", removeVolumes: false }).removeVolumes, false);
  });

  it("defaults a port to all interfaces and tcp, and leaves the host port to docker when external is unset", () => {
    const plan = planContainer("c", { name: "c", image: "img", ports: [{ internal: 5432 }, { internal: 53, ip: "::1", protocol: "udp" }] });
    assert.deepEqual(flagValues(containerCreateArgs(plan, undefined), "--publish"), ["0.0.0.0::5432/tcp", "[::1]::53/udp"]);
  });

  it("passes one entrypoint with --entrypoint and refuses more (Read would report another Entrypoint/Cmd split)", () => {
    const plan = planContainer("c", { name: "c", image: "img", entrypoints: ["/bin/sh"], command: ["-c", "echo hi"] });
    const args = containerCreateArgs(plan, undefined);
    assert.deepEqual(flagValues(args, "--entrypoint"), ["/bin/sh"]);
    assert.deepEqual(args.slice(-3), ["img", "-c", "echo hi"]);
    assert.throws(() => planContainer("c", { name: "c", image: "img", entrypoints: ["/bin/sh", "-c"] }), /more than one element is not implemented/);
  });

  it("maps readOnly volumes to :ro and memory/shmSize from MB to bytes", () => {
    const plan = planContainer("c", { name: "c", image: "img", volumes: [{ volumeName: "v", containerPath: "/d", readOnly: true }], memory: 256, shmSize: 64 });
    const args = containerCreateArgs(plan, undefined);
    assert.deepEqual(flagValues(args, "--volume"), ["v:/d:ro"]);
    assert.deepEqual(flagValues(args, "--memory"), [String(256 * 1024 * 1024)]);
    assert.deepEqual(flagValues(args, "--shm-size"), [String(64 * 1024 * 1024)]);
  });

  it("passes healthcheck NONE as --no-healthcheck", () => {
    const plan = planContainer("c", { name: "c", image: "img", healthcheck: { tests: ["NONE"] } });
    assert.ok(plan.flags.includes("--no-healthcheck"));
  });

  it("omits a zero startInterval (the CLI refuses the flag below API 1.44) and passes a non-zero one", () => {
    const zero = planContainer("c", { name: "c", image: "img", healthcheck: { tests: ["CMD-SHELL", "true"], startInterval: "0s" } });
    assert.ok(!zero.flags.includes("--health-start-interval"));
    const one = planContainer("c", { name: "c", image: "img", healthcheck: { tests: ["CMD-SHELL", "true"], startInterval: "1s" } });
    assert.deepEqual(flagValues(one.flags, "--health-start-interval"), ["1s"]);
  });

  it("maps networksAdvanced to network connect with aliases and a fixed address", () => {
    const plan = planContainer("c", { name: "c", image: "img", networksAdvanced: [{ name: "n", aliases: ["a", "b"], ipv4Address: "10.9.0.5" }] });
    assert.deepEqual(networkConnectArgs(plan.networks[0]!, "abc"), ["network", "connect", "--alias", "a", "--alias", "b", "--ip", "10.9.0.5", "n", "abc"]);
  });
});

describe("planContainer: uploads", () => {
  const upload = (item: PlainObject) => planContainer("c", { name: "c", image: "img", uploads: [item] }).uploads[0]!;

  it("takes the mode from permissions first, then 0744 for executable, else 0644", () => {
    assert.equal(upload({ file: "/a", content: "x", permissions: "0600", executable: true }).mode, 0o600);
    assert.equal(upload({ file: "/a", content: "x", executable: true }).mode, 0o744);
    assert.equal(upload({ file: "/a", content: "x" }).mode, 0o644);
  });

  it("uploads content as UTF-8 and contentBase64 decoded", () => {
    assert.deepEqual(upload({ file: "/a", content: "é\n" }).content, Buffer.from("é\n", "utf8"));
    assert.deepEqual(upload({ file: "/a", contentBase64: "AAEC/w==" }).content, Buffer.from([0, 1, 2, 255]));
  });

  it("refuses no content, two contents, bad base64 and bad permissions with the provider's wording", () => {
    assert.throws(() => upload({ file: "/a", content: "" }), /one of 'content', 'content_base64', or 'source' must be set/);
    assert.throws(() => upload({ file: "/a", content: "x", contentBase64: "eA==" }), /only one of 'content', 'content_base64', or 'source' can be set/);
    assert.throws(() => upload({ file: "/a", contentBase64: "not base64!" }), /not valid base64/);
    assert.throws(() => upload({ file: "/a", content: "x", permissions: "644" }), /must match \^0\[0-7\]\{3\}\$/);
  });
});

describe("planContainer: refusals", () => {
  const refuse = (inputs: PlainObject, pattern: RegExp): void => {
    assert.throws(() => planContainer("pg-dev-primary", { name: "c", image: "img", ...inputs }), (error: Error) => {
      assert.match(error.message, /^stand-in: docker:index\/container:Container 'pg-dev-primary': /);
      assert.match(error.message, pattern);
      return true;
    });
  };

  it("refuses an empty command element like the provider", () => refuse({ command: ["postgres", ""] }, /values for command may not be empty/));
  it("refuses an invalid restart policy", () => refuse({ restart: "sometimes" }, /restart/));
  it("refuses the CMD healthcheck form it cannot pass to docker create", () => refuse({ healthcheck: { tests: ["CMD", "pg_isready"] } }, /not implemented/));
  it("refuses an invalid Go duration", () => refuse({ healthcheck: { tests: ["CMD-SHELL", "true"], interval: "1 second" } }, /time: invalid duration/));
  it("refuses an env value with a line break", () => refuse({ envs: ["A=b\nc"] }, /line break/));
  it("refuses a volume without a name", () => refuse({ volumes: [{ containerPath: "/d" }] }, /anonymous volume/));
  it("requires a port's internal number", () => refuse({ ports: [{ external: 1 }] }, /ports\[0\]\.internal' is required/));
});
