/**
 * Small helpers that reproduce how runc's Go code prints values and paths, so
 * that error messages match runc's text: `%q`, `%+v` of a spec mount,
 * `filepath.Clean`/`Join`, and `os.PathError` strings.
 *
 * @module
 */

import type { LinuxIDMapping, Mount } from "./types.ts";

/** Go's `%q` of a string (strconv.Quote): the one the log uses. */
export { goQuote } from "../log.ts";

function goIdMaps(maps: LinuxIDMapping[] | undefined): string {
  return `[${
    (maps ?? []).map((m) => `{ContainerID:${m.containerID} HostID:${m.hostID} Size:${m.size}}`)
      .join(" ")
  }]`;
}

/** Go's `%+v` of a runtime-spec `Mount` (as runc 1.1.5 prints it in errors). */
export function goMount(m: Mount): string {
  return `{Destination:${m.destination} Type:${m.type ?? ""} Source:${m.source ?? ""} ` +
    `Options:[${(m.options ?? []).join(" ")}] UIDMappings:${goIdMaps(m.uidMappings)} ` +
    `GIDMappings:${goIdMaps(m.gidMappings)}}`;
}

/** Go's `filepath.Clean`. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  return rooted ? `/${joined}` : joined === "" ? "." : joined;
}

/** Go's `filepath.Join`: empty parts are skipped and the result is cleaned. */
export function joinPath(...parts: string[]): string {
  const nonEmpty = parts.filter((p) => p !== "");
  return nonEmpty.length === 0 ? "" : cleanPath(nonEmpty.join("/"));
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
  EIO: "input/output error",
};

/** The strerror text Go prints for a Deno file-system error. */
export function errnoText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && ERRNO_TEXT[code] !== undefined) return ERRNO_TEXT[code];
  if (err instanceof Deno.errors.NotFound) return ERRNO_TEXT.ENOENT!;
  if (err instanceof Deno.errors.PermissionDenied) return ERRNO_TEXT.EACCES!;
  if (err instanceof Deno.errors.NotADirectory) return ERRNO_TEXT.ENOTDIR!;
  const message = err instanceof Error ? err.message : String(err);
  // Deno: "No such file or directory (os error 2): stat '/x'" → the strerror part.
  const head = message.replace(/ \(os error \d+\).*$/s, "");
  return head.charAt(0).toLowerCase() + head.slice(1);
}

/** Go's `os.PathError` text: `op path: strerror`. */
export function pathError(op: string, path: string, err: unknown): string {
  return `${op} ${path}: ${errnoText(err)}`;
}
