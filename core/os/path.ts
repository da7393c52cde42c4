/**
 * Path cleaning, the one copy of it: Go's `filepath.Clean`, `Join` and `Abs`,
 * and runc's `CleanPath` (a relative path never climbs above its start).
 * Lexical only; nothing here touches the file system.
 *
 * @module
 */

/**
 * Go's `filepath.Clean`: `.` and repeated slashes go, `..` removes the part
 * before it (never above `/`; kept at the front of a relative path).
 *
 * @param p the path
 * @returns the cleaned path, `.` for an empty one
 * @example
 * ```ts
 * cleanPath("/a/./b/../c//"); // "/a/c"
 * cleanPath("../x/.."); // ".."
 * ```
 */
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

/**
 * Go's `filepath.Join`: empty parts are skipped and the result is cleaned.
 *
 * @param parts the parts
 * @returns the joined path, "" when every part is empty
 */
export function joinPath(...parts: string[]): string {
  const nonEmpty = parts.filter((p) => p !== "");
  return nonEmpty.length === 0 ? "" : cleanPath(nonEmpty.join("/"));
}

/**
 * Go's `filepath.Abs`: a path made absolute against base and cleaned.
 *
 * @param p the path
 * @param base what a relative path is taken from (default: the working directory)
 * @returns the absolute, clean path
 */
export function absPath(p: string, base: string = Deno.cwd()): string {
  return cleanPath(p.startsWith("/") ? p : `${base}/${p}`);
}

/**
 * runc's `utils.CleanPath`: cleaned, and a relative path is taken as if from
 * `/`, so that it never climbs above its start (`../../x` is `x`).
 *
 * @param p the path
 * @returns "" for "", the cleaned path otherwise
 */
export function cleanPathInside(p: string): string {
  if (p === "") return "";
  if (p.startsWith("/")) return cleanPath(p);
  const c = cleanPath(`/${p}`).slice(1);
  return c === "" ? "." : c;
}

/** Whether something is at path (a dangling symlink included: lstat). */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
