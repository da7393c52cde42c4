/**
 * Talking to CRIU as runc does: `criu swrk FD` with one end of a
 * SOCK_SEQPACKET pair as FD, one request, then responses until the final one;
 * notifications (CRIU's action scripts) are answered one by one.
 *
 * ```
 *  runc                                   criu swrk FD
 *   |---- criu_req {type, opts} ----------->|
 *   |<--- criu_resp {NOTIFY, script} -------|  (0..n, an fd may come with SCM_RIGHTS)
 *   |---- criu_req {NOTIFY, success} ------>|
 *   |<--- criu_resp {type, success} --------|  final: DUMP, RESTORE, VERSION, ...
 *   close; wait for criu
 * ```
 *
 * @module
 */
import type { Sys } from "../os/sys.ts";
import { logDebug } from "../log.ts";
import { type CriuReq, type CriuResp, decodeResp, encodeReq, ReqType, reqTypeName } from "./rpc.ts";
import { CriuError, criuVersionNumber } from "./options.ts";

/** What a request needs besides the message. */
export interface SwrkOptions {
  /** The criu binary (--criu): a name looked up in PATH, or a path. */
  criu: string;
  /** CRIU gets runc's stdio (restore: the restored process inherits it); else /dev/null. */
  inheritStdio?: boolean;
  /** Named in errors: the log CRIU wrote. */
  logPath?: string;
  /** CRIU runs, the request is not sent yet (restore puts CRIU into the container's cgroups). */
  onStart?(pid: number, req: CriuReq): void | Promise<void>;
  /** A notification; fd is what came with it (-1: none), closed after unless the handler returns true. */
  onNotify?(script: string, pid: number, fd: number): Promise<boolean | void>;
  /** Something came back (runc closes --status-fd then). */
  onFirstResponse?(): void;
}

/** The largest message CRIU sends (runc reads up to 40 KiB). */
const BUF_SIZE = 10 * 4096;

/**
 * Runs one request through `criu swrk`.
 *
 * @param sys the syscall surface
 * @param req the request
 * @param opts the binary and the handlers
 * @returns the final response
 * @throws CriuError `criu failed: type DUMP errno N\nlog file: PATH`
 */
export async function criuSwrk(sys: Sys, req: CriuReq, opts: SwrkOptions): Promise<CriuResp> {
  const [ours, theirs] = sys.socketpair(true);
  let child: Deno.ChildProcess;
  const io = opts.inheritStdio ? "inherit" : "null";
  try {
    child = new Deno.Command(opts.criu, {
      args: ["swrk", String(theirs)],
      stdin: io,
      stdout: io,
      stderr: io,
    }).spawn();
  } catch (e) {
    sys.close(ours);
    sys.close(theirs);
    throw new CriuError(spawnError(opts.criu, e), { cause: e });
  }
  // Closed here, so that runc sees EOF when CRIU dies.
  sys.close(theirs);
  const logLine = opts.logPath ? `\nlog file: ${opts.logPath}` : "";
  let finished = false;
  try {
    logDebug(`Using CRIU in ${reqTypeName(req.type)} mode`);
    await opts.onStart?.(child.pid, req);
    sys.send(ours, encodeReq(req));
    const buf = new Uint8Array(BUF_SIZE);
    let first = true;
    for (;;) {
      const { n, fd } = await sys.recvWithFd(ours, buf, -1);
      if (first) {
        first = false;
        opts.onFirstResponse?.();
      }
      let keep = false;
      try {
        if (n === 0) throw new CriuError("unexpected EOF");
        if (n === buf.length) throw new CriuError("buffer is too small");
        const resp = decodeResp(buf.subarray(0, n));
        if (!resp.success) {
          const msg = resp.cr_errmsg?.trim() ? ` (${resp.cr_errmsg.trim()})` : "";
          throw new CriuError(
            `criu failed: type ${reqTypeName(req.type)} errno ${
              resp.cr_errno ?? 0
            }${msg}${logLine}`,
          );
        }
        if (resp.type !== ReqType.NOTIFY) {
          finished = true;
          await closeAndWait(sys, ours, child, req, logLine);
          return resp;
        }
        const script = resp.notify?.script ?? "";
        logDebug(`notify: ${script}`);
        keep = (await opts.onNotify?.(script, resp.notify?.pid ?? 0, fd)) === true;
        sys.send(ours, encodeReq({ type: ReqType.NOTIFY, notify_success: true }));
      } finally {
        if (fd >= 0 && !keep) sys.close(fd);
      }
    }
  } finally {
    if (!finished) {
      sys.close(ours);
      await child.status;
    }
  }
}

/** Ends the conversation and checks how CRIU exited. */
async function closeAndWait(
  sys: Sys,
  sock: number,
  child: Deno.ChildProcess,
  req: CriuReq,
  logLine: string,
): Promise<void> {
  sys.close(sock);
  const status = await child.status;
  // A pre-dump's CRIU waits for more requests and ends when the socket closes.
  if (!status.success && req.type !== ReqType.PRE_DUMP) {
    const how = status.signal ? `signal: ${status.signal}` : `exit status ${status.code}`;
    throw new CriuError(`criu failed: ${how}${logLine}`);
  }
}

/** Go's exec error for a binary that cannot be started. */
function spawnError(criu: string, e: unknown): string {
  if (e instanceof Deno.errors.NotFound) {
    return criu.includes("/")
      ? `fork/exec ${criu}: no such file or directory`
      : `exec: "${criu}": executable file not found in $PATH`;
  }
  if (e instanceof Deno.errors.PermissionDenied) return `fork/exec ${criu}: permission denied`;
  return `fork/exec ${criu}: ${(e as Error).message}`;
}

const versions = new Map<string, number>();

/**
 * CRIU's version through the VERSION request (CRIU 3.0 and later), as
 * go-criu numbers it (3.17.1 is 31701).
 *
 * @param sys the syscall surface
 * @param criu the binary
 * @throws CriuError `CRIU version check failed: ...`
 */
export async function criuVersion(sys: Sys, criu: string): Promise<number> {
  const known = versions.get(criu);
  if (known !== undefined) return known;
  let v: number;
  try {
    const resp = await criuSwrk(sys, { type: ReqType.VERSION }, { criu });
    if (resp.type !== ReqType.VERSION || !resp.version) {
      throw new CriuError(`Unexpected CRIU RPC response (${reqTypeName(resp.type)})`);
    }
    v = criuVersionNumber(resp.version);
  } catch (e) {
    throw new CriuError(`CRIU version check failed: ${(e as Error).message}`, { cause: e });
  }
  logDebug(`Using CRIU ${v}`);
  versions.set(criu, v);
  return v;
}

/**
 * runc's checkCriuVersion.
 *
 * @param sys the syscall surface
 * @param criu the binary
 * @param min e.g. 30000 for 3.0
 * @throws CriuError `CRIU version 20900 must be 30000 or higher`
 */
export async function checkCriuVersion(sys: Sys, criu: string, min: number): Promise<void> {
  const v = await criuVersion(sys, criu);
  if (v < min) throw new CriuError(`CRIU version ${v} must be ${min} or higher`);
}

/** Whether CRIU is at least min (a failed check already failed earlier). */
export async function criuAtLeast(sys: Sys, criu: string, min: number): Promise<boolean> {
  return (await criuVersion(sys, criu)) >= min;
}
