/**
 * sd_notify through the container, as runc does it when NOTIFY_SOCKET is set:
 * the container gets a socket of its own (bind-mounted read-only at
 * /run/notify/notify.sock, named by NOTIFY_SOCKET in its env), and the first
 * READY= it sends is relayed to the caller's socket, followed by MAINPID= with
 * the container's init.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import { type ContainerState, initAlive } from "../state/state.ts";
import type { Sys } from "../os/sys.ts";

/** Where the socket appears inside the container. */
export const NOTIFY_PATH_IN_CONTAINER = "/run/notify/notify.sock";

/** The caller's notify socket, or undefined when sd_notify is not asked for. */
export function hostNotifySocket(): string | undefined {
  const v = Deno.env.get("NOTIFY_SOCKET");
  return v ? v : undefined;
}

/** The directory holding the container's notify socket in its state dir. */
export function notifyDir(stateDir: string): string {
  return `${stateDir}/notify`;
}

/**
 * Adds the notify socket's mount and env to a spec (runc's setupSpec).
 *
 * @param spec the container's config, changed in place
 * @param stateDir the container's state directory
 */
export function addNotifySocket(spec: Spec, stateDir: string): void {
  (spec.mounts ??= []).push({
    destination: "/run/notify",
    source: notifyDir(stateDir),
    type: "bind",
    options: ["bind", "nosuid", "noexec", "nodev", "ro"],
  });
  if (spec.process) {
    (spec.process.env ??= []).push(`NOTIFY_SOCKET=${NOTIFY_PATH_IN_CONTAINER}`);
  }
}

/** A bound notify socket, waiting for READY=. */
export interface NotifyRelay {
  /** Relays READY= and MAINPID= once the container sends READY=, or returns when its init exits. */
  relay(state: ContainerState): Promise<void>;
  close(): void;
}

/**
 * Binds the container's notify socket. Done before the container's process
 * starts, so its READY= cannot come before anyone listens.
 *
 * @param sys the syscall surface
 * @param stateDir the container's state directory
 * @param host the caller's NOTIFY_SOCKET
 */
export function bindNotifySocket(sys: Sys, stateDir: string, host: string): NotifyRelay {
  const fd = sys.unixgramBind(`${notifyDir(stateDir)}/notify.sock`);
  return {
    async relay(state) {
      const buf = new Uint8Array(4096);
      for (;;) {
        let n: number;
        try {
          n = await sys.recv(fd, buf, 100);
        } catch (e) {
          if ((e as { code?: number }).code === 110 /* ETIMEDOUT */) {
            if (!initAlive(state)) return;
            continue;
          }
          throw e;
        }
        const text = new TextDecoder().decode(buf.subarray(0, n));
        if (!text.startsWith("READY=")) continue;
        const line = text.split("\n")[0]!;
        const enc = new TextEncoder();
        sys.unixgramSend(host, enc.encode(`${line}\n`));
        sys.unixgramSend(host, enc.encode(`MAINPID=${state.initPid}\n`));
        return;
      }
    },
    close: () => sys.close(fd),
  };
}
