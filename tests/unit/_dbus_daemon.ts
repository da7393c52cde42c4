/**
 * A private dbus-daemon for the D-Bus client's tests: a session-type bus on a
 * socket in a temp directory, stopped (and its directory removed) by dispose.
 *
 * @module
 */

/** A running private bus. */
export interface PrivateBus {
  /** Its address, `unix:path=...`. */
  address: string;
  /** The socket path. */
  path: string;
  /** Stops the daemon and removes its directory. */
  dispose(): Promise<void>;
}

/** Why the daemon tests cannot run here, or undefined when they can. */
export function noDaemonReason(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    try {
      Deno.statSync(`${dir}/dbus-daemon`);
      return undefined;
    } catch { /* next */ }
  }
  return "dbus-daemon is not installed (Debian package dbus-daemon)";
}

/** Starts `dbus-daemon --session` on a socket of its own and waits for its address. */
export async function startBus(): Promise<PrivateBus> {
  const dir = await Deno.makeTempDir({ prefix: "runc-dbus-" });
  const path = `${dir}/bus`;
  const child = new Deno.Command("dbus-daemon", {
    args: [
      "--session",
      `--address=unix:path=${path}`,
      "--print-address",
      "--nofork",
      "--nopidfile",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const dispose = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.stdout.cancel().catch(() => {});
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  if (!text.includes(path)) {
    await dispose();
    throw new Error(`dbus-daemon did not start: ${JSON.stringify(text)}`);
  }
  return { address: `unix:path=${path}`, path, dispose };
}
