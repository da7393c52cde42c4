/**
 * `runc spec`: write a starter config.json into the bundle directory.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";
import { osErrorText } from "../core/os/errno.ts";

/** The `spec` descriptor. */
export const command: Command = {
  name: "spec",
  summary: "create a new specification file",
  argsUsage: "",
  description: `The spec command creates the new specification file named "config.json" for
the bundle.

The spec generated is just a starter file. Editing of the spec is required to
achieve desired results. For example, the newly generated spec includes an args
parameter that is initially set to call the "sh" command when the container is
started. Calling "sh" may work for an ubuntu container or busybox, but will not
work for containers that do not include the "sh" program.

EXAMPLE:
  To run docker's hello-world container one needs to set the args parameter
in the spec to call hello. This can be done using the sed command or a text
editor. The following commands create a bundle for hello-world, change the
default args parameter in the spec from "sh" to "/hello", then run the hello
command in a new hello-world container named container1:

    mkdir hello
    cd hello
    docker pull hello-world
    docker export $(docker create hello-world) > hello-world.tar
    mkdir rootfs
    tar -C rootfs -xf hello-world.tar
    runc spec
    sed -i 's;"sh";"/hello";' config.json
    runc run container1

In the run command above, "container1" is the name for the instance of the
container that you are starting. The name you provide for the container instance
must be unique on your host.

An alternative for generating a customized spec config is to use "oci-runtime-tool", the
sub-command "oci-runtime-tool generate" has lots of options that can be used to do any
customizations as you want, see runtime-tools (https://github.com/opencontainers/runtime-tools)
to get more information.

When starting a container through runc, runc needs root privilege. If not
already running as root, you can use sudo to give runc root privilege. For
example: "sudo runc start container1" will give runc root privilege to start the
container on your host.

Alternatively, you can start a rootless container, which has the ability to run
without root privileges. For this to work, the specification file needs to be
adjusted accordingly. You can pass the parameter --rootless to this command to
generate a proper rootless spec file.

Note that --rootless is not needed when you execute runc as the root in a user namespace
created by an unprivileged user.
`,
  flags: [
    {
      name: "bundle",
      aliases: ["b"],
      kind: "string",
      usage: "path to the root of the bundle directory",
    },
    {
      name: "rootless",
      kind: "bool",
      usage: "generate a configuration for a rootless container",
    },
  ],
  async run(ctx) {
    checkArgs("spec", ctx.args, 0, "exact");
    const { defaultSpec } = await import("../core/spec/template.ts");
    const { goMarshalIndent } = await import("./go_json.ts");
    const { detectMode } = await import("../core/cgroups/mode.ts");
    // runc adds a cgroup namespace where /sys/fs/cgroup is cgroup2 alone.
    const spec = defaultSpec({
      rootless: ctx.flags.rootless === true,
      cgroupNamespace: detectMode() === "unified",
    });
    const bundle = String(ctx.flags.bundle ?? "");
    if (bundle !== "") {
      try {
        Deno.chdir(bundle);
      } catch (err) {
        throw new Error(`chdir ${bundle}: ${osErrorText(err)}`, { cause: err });
      }
    }
    writeNewFile(CONFIG, goMarshalIndent(spec, "\t"));
    return 0;
  },
};

const CONFIG = "config.json";

/** runc's checkNoFile then os.WriteFile(name, data, 0666), with Go's error texts. */
function writeNewFile(name: string, text: string): void {
  let exists = false;
  try {
    Deno.statSync(name);
    exists = true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`stat ${name}: ${osErrorText(err)}`, { cause: err });
    }
  }
  if (exists) throw new Error(`File ${name} exists. Remove it first`);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(name, { write: true, create: true, truncate: true, mode: 0o666 });
  } catch (err) {
    throw new Error(`open ${name}: ${osErrorText(err)}`, { cause: err });
  }
  try {
    const bytes = new TextEncoder().encode(text);
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
  } catch (err) {
    throw new Error(`write ${name}: ${osErrorText(err)}`, { cause: err });
  } finally {
    file.close();
  }
}
