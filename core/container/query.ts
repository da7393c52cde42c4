/**
 * `runc state` and `runc list`: the OCI state documents of containers. Kept
 * apart from the lifecycle actions so that these two commands load only the
 * state files' module.
 *
 * @module
 */
import {
  type ContainerState,
  containerStatus,
  listIds,
  readState,
  stateDir,
  type Status,
} from "../state/state.ts";

/** The OCI state document `runc state` prints. */
export interface StateDocument {
  /** The runtime-spec version of the document. */
  ociVersion: string;
  /** The container id. */
  id: string;
  /** The init's pid; 0 once it has stopped. */
  pid: number;
  /** `created`, `running`, `paused` or `stopped`. */
  status: Status;
  /** The bundle directory. */
  bundle: string;
  /** The rootfs. */
  rootfs: string;
  /** When the container was created, RFC 3339 with nanoseconds. */
  created: string;
  /** The config's annotations, when it has some. */
  annotations?: Record<string, string>;
  /** The owner runc reports (always "" here, as runc 1.1). */
  owner: string;
}

/** The runtime-spec version runc 1.1 reports. */
export const OCI_VERSION = "1.0.2-dev";

/**
 * The state document of a container.
 *
 * @param root the runc root
 * @param id the container id
 */
export async function stateDocument(root: string, id: string): Promise<StateDocument> {
  const st = await readState(root, id);
  return toDocument(root, st);
}

function toDocument(root: string, st: ContainerState): StateDocument {
  const status = containerStatus(root, st);
  // Key order is runc's (its containerState struct): annotations before owner.
  const annotations = st.config.annotations;
  return {
    ociVersion: OCI_VERSION,
    id: st.id,
    pid: status === "stopped" ? 0 : st.initPid,
    status,
    bundle: st.bundle,
    rootfs: st.rootfs,
    created: st.created,
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    owner: st.owner,
  };
}

/**
 * The state documents of every container under a root, by id.
 *
 * @param root the runc root
 */
export async function listContainers(root: string): Promise<StateDocument[]> {
  const docs: StateDocument[] = [];
  for (const id of await listIds(root)) {
    try {
      const doc = await stateDocument(root, id);
      // runc's list (not state) names the owner of the state directory.
      doc.owner = userName(Deno.statSync(stateDir(root, id)).uid ?? 0);
      docs.push(doc);
    } catch {
      // A directory without a readable state (being created or deleted) is skipped, as in runc.
    }
  }
  return docs;
}

/** The name of a uid in the host's /etc/passwd, or `#UID` as runc prints an unknown one. */
function userName(uid: number): string {
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const f = line.split(":");
      if (f[2] === String(uid) && f[0]) return f[0];
    }
  } catch { /* no passwd */ }
  return `#${uid}`;
}
