/**
 * The uid and gid maps of a new user namespace, written by runc for the
 * container's init while it waits after the clone. Root writes them itself; an
 * ordinary user may map only their own ids, one each, and must deny setgroups
 * first (the kernel's rule); more ids go through newuidmap and newgidmap
 * (Debian's uidmap), which check /etc/subuid and /etc/subgid.
 *
 * @module
 */
import { errnoText } from "../os/errno.ts";

/** One line of a uid or gid map. */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** How the maps get written. */
export interface IdMapPlan {
  /** runc writes /proc/PID/{uid,gid}_map itself (else newuidmap/newgidmap do). */
  direct: boolean;
  /** setgroups is denied in the container (an ordinary user's single mapping). */
  denySetgroups: boolean;
}

/** A map that could not be written; the message names the file and why. */
export class IdMapError extends Error {
  /** @param message what failed */
  constructor(message: string) {
    super(message);
    this.name = "IdMapError";
  }
}

/**
 * Decides how the maps are written.
 *
 * @param uid the spec's uidMappings
 * @param gid the spec's gidMappings
 * @param euid the caller's effective uid
 * @param egid the caller's effective gid
 * @returns the plan
 */
export function idMapPlan(
  uid: IdMapping[],
  gid: IdMapping[],
  euid: number,
  egid: number,
): IdMapPlan {
  if (euid === 0) return { direct: true, denySetgroups: false };
  const own = (m: IdMapping[], id: number) =>
    m.length === 1 && m[0]!.hostID === id && m[0]!.size === 1;
  if (own(uid, euid) && own(gid, egid)) return { direct: true, denySetgroups: true };
  return { direct: false, denySetgroups: false };
}

const line = (m: IdMapping[]) => m.map((e) => `${e.containerID} ${e.hostID} ${e.size}\n`).join("");

function write(pid: number, file: string, text: string): void {
  try {
    Deno.writeTextFileSync(`/proc/${pid}/${file}`, text);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "EPERM"
      ? errnoText(1)
      : code === "EINVAL"
      ? errnoText(22)
      : (e as Error).message;
    throw new IdMapError(`write ${file} of the container's init (${pid}): ${why}`);
  }
}

async function helper(tool: string, pid: number, m: IdMapping[]): Promise<void> {
  const args = [String(pid), ...m.flatMap((e) => [e.containerID, e.hostID, e.size].map(String))];
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(tool, { args, stdout: "null", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new IdMapError(
        `mapping more than the caller's own id needs ${tool} (apt-get install uidmap) and ranges in /etc/sub${
          tool.slice(3, 6)
        }`,
      );
    }
    throw e;
  }
  if (!out.success) {
    throw new IdMapError(
      `${tool} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
}

/**
 * Writes the maps of a waiting init.
 *
 * @param pid the init
 * @param uid uidMappings
 * @param gid gidMappings
 * @param plan from idMapPlan
 */
export async function writeIdMaps(
  pid: number,
  uid: IdMapping[],
  gid: IdMapping[],
  plan: IdMapPlan,
): Promise<void> {
  if (plan.direct) {
    if (plan.denySetgroups) write(pid, "setgroups", "deny");
    if (uid.length) write(pid, "uid_map", line(uid));
    if (gid.length) write(pid, "gid_map", line(gid));
    return;
  }
  if (uid.length) await helper("newuidmap", pid, uid);
  if (gid.length) await helper("newgidmap", pid, gid);
}
