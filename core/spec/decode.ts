/**
 * Decoding config.json text into a {@linkcode Spec} the way runc's Go
 * `encoding/json` does, so that a file runc accepts is accepted here with the same
 * meaning, and a file runc refuses for a type error is refused with the same text:
 *
 * - keys match struct fields case-insensitively (`"Process"` is `process`);
 *   unknown keys are dropped;
 * - `null` leaves a field at its zero value; absent required fields get their
 *   zero value (`""`, `0`, `false`, `[]`, an empty struct);
 * - integers must be integer literals within the Go type's range (`1.0`, `1e3`
 *   and `-1` for an unsigned field are refused); values beyond
 *   `Number.MAX_SAFE_INTEGER` of 64-bit fields become bigints, without loss;
 * - a type mismatch gives Go's message, e.g. `json: cannot unmarshal string into
 *   Go struct field Process.process.args of type []string`, for the first
 *   mismatch in document order.
 *
 * Differences kept on purpose: text after the first JSON value is refused (Go's
 * decoder ignores it), and syntax errors carry JavaScript's description.
 *
 * @module
 */

import { SpecError } from "./errors.ts";
import type { Process, Spec } from "./types.ts";

type IntType = "int64" | "uint64" | "uint32" | "uint16" | "uint" | "int" | "fs.FileMode";

/** The shape of one Go type, enough to check and normalise decoded JSON. */
type Kind =
  | { k: "string"; go: string }
  | { k: "bool" }
  | { k: "int"; go: IntType; big: boolean }
  | { k: "array"; elem: Kind }
  | { k: "map"; elem: Kind }
  | { k: "struct"; name: string; fields: Record<string, Field> }
  | { k: "opaque"; name: string };

interface Field {
  kind: Kind;
  /** Not `omitempty` in Go: a decoded object always has it (zero value if absent). */
  req: boolean;
}

const RANGES: Record<IntType, [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint: [0n, 2n ** 64n - 1n],
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  "fs.FileMode": [0n, 2n ** 32n - 1n],
};

// --- schema builders -------------------------------------------------------

const str = (go = "string"): Kind => ({ k: "string", go });
const bool: Kind = { k: "bool" };
/** A 64-bit integer field, typed `number | bigint` in types.ts. */
const i64 = (go: "int64" | "uint64"): Kind => ({ k: "int", go, big: true });
/** An integer field typed `number` in types.ts. */
const num = (go: IntType): Kind => ({ k: "int", go, big: false });
const arr = (elem: Kind): Kind => ({ k: "array", elem });
const map = (elem: Kind): Kind => ({ k: "map", elem });
const opaque = (name: string): Kind => ({ k: "opaque", name });
/** Fields whose name ends in `!` are required (not omitempty). */
function struct(name: string, spec: Record<string, Kind>): Kind {
  const fields: Record<string, Field> = {};
  for (const [key, kind] of Object.entries(spec)) {
    const req = key.endsWith("!");
    fields[req ? key.slice(0, -1) : key] = { kind, req };
  }
  return { k: "struct", name, fields };
}

const strings = arr(str());
const idMapping = struct("LinuxIDMapping", {
  "containerID!": num("uint32"),
  "hostID!": num("uint32"),
  "size!": num("uint32"),
});
const hook = struct("Hook", {
  "path!": str(),
  args: strings,
  env: strings,
  timeout: num("int"),
});
const throttle = struct("LinuxThrottleDevice", {
  "major!": i64("int64"),
  "minor!": i64("int64"),
  "rate!": i64("uint64"),
});

const PROCESS = struct("Process", {
  terminal: bool,
  consoleSize: struct("Box", { "height!": num("uint"), "width!": num("uint") }),
  "user!": struct("User", {
    "uid!": num("uint32"),
    "gid!": num("uint32"),
    umask: num("uint32"),
    additionalGids: arr(num("uint32")),
    username: str(),
  }),
  args: strings,
  commandLine: str(),
  env: strings,
  "cwd!": str(),
  capabilities: struct("LinuxCapabilities", {
    bounding: strings,
    effective: strings,
    inheritable: strings,
    permitted: strings,
    ambient: strings,
  }),
  rlimits: arr(struct("POSIXRlimit", {
    "type!": str(),
    "hard!": i64("uint64"),
    "soft!": i64("uint64"),
  })),
  noNewPrivileges: bool,
  apparmorProfile: str(),
  oomScoreAdj: num("int"),
  selinuxLabel: str(),
});

const RESOURCES = struct("LinuxResources", {
  devices: arr(struct("LinuxDeviceCgroup", {
    "allow!": bool,
    type: str(),
    major: i64("int64"),
    minor: i64("int64"),
    access: str(),
  })),
  memory: struct("LinuxMemory", {
    limit: i64("int64"),
    reservation: i64("int64"),
    swap: i64("int64"),
    kernel: i64("int64"),
    kernelTCP: i64("int64"),
    swappiness: i64("uint64"),
    disableOOMKiller: bool,
    useHierarchy: bool,
    checkBeforeUpdate: bool,
  }),
  cpu: struct("LinuxCPU", {
    shares: i64("uint64"),
    quota: i64("int64"),
    burst: i64("uint64"),
    period: i64("uint64"),
    realtimeRuntime: i64("int64"),
    realtimePeriod: i64("uint64"),
    cpus: str(),
    mems: str(),
    idle: i64("int64"),
  }),
  pids: struct("LinuxPids", { "limit!": i64("int64") }),
  blockIO: struct("LinuxBlockIO", {
    weight: num("uint16"),
    leafWeight: num("uint16"),
    weightDevice: arr(struct("LinuxWeightDevice", {
      "major!": i64("int64"),
      "minor!": i64("int64"),
      weight: num("uint16"),
      leafWeight: num("uint16"),
    })),
    throttleReadBpsDevice: arr(throttle),
    throttleWriteBpsDevice: arr(throttle),
    throttleReadIOPSDevice: arr(throttle),
    throttleWriteIOPSDevice: arr(throttle),
  }),
  hugepageLimits: arr(struct("LinuxHugepageLimit", {
    "pageSize!": str(),
    "limit!": i64("uint64"),
  })),
  network: struct("LinuxNetwork", {
    classID: num("uint32"),
    priorities: arr(struct("LinuxInterfacePriority", {
      "name!": str(),
      "priority!": num("uint32"),
    })),
  }),
  rdma: map(struct("LinuxRdma", { hcaHandles: num("uint32"), hcaObjects: num("uint32") })),
  unified: map(str()),
});

const SECCOMP = struct("LinuxSeccomp", {
  "defaultAction!": str("specs.LinuxSeccompAction"),
  defaultErrnoRet: num("uint"),
  architectures: arr(str("specs.Arch")),
  flags: arr(str("specs.LinuxSeccompFlag")),
  listenerPath: str(),
  listenerMetadata: str(),
  syscalls: arr(struct("LinuxSyscall", {
    "names!": strings,
    "action!": str("specs.LinuxSeccompAction"),
    errnoRet: num("uint"),
    args: arr(struct("LinuxSeccompArg", {
      "index!": num("uint"),
      "value!": i64("uint64"),
      valueTwo: i64("uint64"),
      "op!": str("specs.LinuxSeccompOperator"),
    })),
  })),
});

const SPEC = struct("Spec", {
  "ociVersion!": str(),
  process: PROCESS,
  root: struct("Root", { "path!": str(), readonly: bool }),
  hostname: str(),
  domainname: str(),
  mounts: arr(struct("Mount", {
    "destination!": str(),
    type: str(),
    source: str(),
    options: strings,
    uidMappings: arr(idMapping),
    gidMappings: arr(idMapping),
  })),
  hooks: struct("Hooks", {
    prestart: arr(hook),
    createRuntime: arr(hook),
    createContainer: arr(hook),
    startContainer: arr(hook),
    poststart: arr(hook),
    poststop: arr(hook),
  }),
  annotations: map(str()),
  linux: struct("Linux", {
    uidMappings: arr(idMapping),
    gidMappings: arr(idMapping),
    sysctl: map(str()),
    resources: RESOURCES,
    cgroupsPath: str(),
    namespaces: arr(struct("LinuxNamespace", {
      "type!": str("specs.LinuxNamespaceType"),
      path: str(),
    })),
    devices: arr(struct("LinuxDevice", {
      "path!": str(),
      "type!": str(),
      "major!": i64("int64"),
      "minor!": i64("int64"),
      fileMode: num("fs.FileMode"),
      uid: num("uint32"),
      gid: num("uint32"),
    })),
    seccomp: SECCOMP,
    rootfsPropagation: str(),
    maskedPaths: strings,
    readonlyPaths: strings,
    mountLabel: str(),
    intelRdt: struct("LinuxIntelRdt", {
      closID: str(),
      l3CacheSchema: str(),
      memBwSchema: str(),
      enableCMT: bool,
      enableMBM: bool,
    }),
    personality: struct("LinuxPersonality", {
      "domain!": str("specs.LinuxPersonalityDomain"),
      flags: arr(str("specs.LinuxPersonalityFlag")),
    }),
  }),
  // Other platforms: type-checked like Go does, then dropped (runc ignores them).
  solaris: opaque("Solaris"),
  windows: opaque("Windows"),
  vm: opaque("VM"),
  zos: opaque("ZOS"),
});

// --- JSON with number literals kept ----------------------------------------

/** Number literals that `String(value)` would not reproduce, by holder and key. */
type Literals = WeakMap<object, Map<string, string>>;

/**
 * Parses JSON text, turning integer literals beyond the safe range into bigints
 * and remembering literals such as `1.0` or `1e3` so integer fields can refuse
 * them as Go does.
 *
 * @throws {SyntaxError} When the text is not one JSON value.
 */
function parseJson(text: string): { value: unknown; literals: Literals } {
  const literals: Literals = new WeakMap();
  const value = JSON.parse(
    text,
    function (this: object, key: string, v: unknown, ctx?: { source?: string }) {
      if (typeof v !== "number" || ctx?.source === undefined) return v;
      const source = ctx.source;
      if (source !== String(v)) {
        let m = literals.get(this);
        if (m === undefined) literals.set(this, m = new Map());
        m.set(key, source);
        if (/^-?\d+$/.test(source) && !Number.isSafeInteger(v)) return BigInt(source);
      }
      return v;
    },
  );
  return { value, literals };
}

// --- decoding --------------------------------------------------------------

function goTypeName(kind: Kind): string {
  switch (kind.k) {
    case "string":
      return kind.go;
    case "bool":
      return "bool";
    case "int":
      return kind.go;
    case "array":
      return `[]${goTypeName(kind.elem)}`;
    case "map":
      return `map[string]${goTypeName(kind.elem)}`;
    case "struct":
    case "opaque":
      return `specs.${kind.name}`;
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "bigint") return "number";
  if (typeof v === "boolean") return "bool";
  return typeof v; // "string" | "number" | "object"
}

function zeroValue(kind: Kind): unknown {
  switch (kind.k) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int":
      return 0;
    case "array":
      return [];
    case "map":
      return {};
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(kind.fields)) {
        if (f.req) out[name] = zeroValue(f.kind);
      }
      return out;
    }
    case "opaque":
      return {};
  }
}

class Decoder {
  constructor(private readonly literals: Literals, private readonly root: string) {}

  /** Go's UnmarshalTypeError text. */
  private mismatch(what: string, kind: Kind, struct: string | undefined, path: string[]) {
    const into = struct === undefined
      ? `Go value of type ${goTypeName(kind)}`
      : `Go struct field ${struct}.${path.join(".")} of type ${goTypeName(kind)}`;
    return new SpecError(`json: cannot unmarshal ${what} into ${into}`, {
      field: path.join(".") || undefined,
    });
  }

  /**
   * Decodes `v` (never null) as `kind`. `holder`/`key` locate `v` for its number
   * literal; `struct`/`path` are Go's error context.
   */
  value(
    v: unknown,
    kind: Kind,
    holder: object | undefined,
    key: string,
    struct: string | undefined,
    path: string[],
  ): unknown {
    switch (kind.k) {
      case "string":
        if (typeof v !== "string") throw this.mismatch(jsonKind(v), kind, struct, path);
        return v;
      case "bool":
        if (typeof v !== "boolean") throw this.mismatch(jsonKind(v), kind, struct, path);
        return v;
      case "int":
        return this.integer(v, kind, holder, key, struct, path);
      case "array": {
        if (!Array.isArray(v)) throw this.mismatch(jsonKind(v), kind, struct, path);
        return v.map((e, i) =>
          e === null ? zeroValue(kind.elem) : this.value(e, kind.elem, v, String(i), struct, path)
        );
      }
      case "map": {
        if (jsonKind(v) !== "object") throw this.mismatch(jsonKind(v), kind, struct, path);
        const obj = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [k, e] of Object.entries(obj)) {
          out[k] = e === null
            ? zeroValue(kind.elem)
            : this.value(e, kind.elem, obj, k, struct, path);
        }
        return out;
      }
      case "opaque":
        if (jsonKind(v) !== "object") throw this.mismatch(jsonKind(v), kind, struct, path);
        return v;
      case "struct":
        if (jsonKind(v) !== "object") throw this.mismatch(jsonKind(v), kind, struct, path);
        return this.object(v as Record<string, unknown>, kind, path);
    }
  }

  private integer(
    v: unknown,
    kind: Extract<Kind, { k: "int" }>,
    holder: object | undefined,
    key: string,
    struct: string | undefined,
    path: string[],
  ): number | bigint {
    if (typeof v !== "number" && typeof v !== "bigint") {
      throw this.mismatch(jsonKind(v), kind, struct, path);
    }
    const literal = (holder && this.literals.get(holder)?.get(key)) ?? String(v);
    const [min, max] = RANGES[kind.go];
    const ok = /^-?\d+$/.test(literal) && !(min === 0n && literal.startsWith("-")) &&
      BigInt(literal) >= min && BigInt(literal) <= max &&
      (kind.big || Number.isSafeInteger(Number(literal)));
    if (!ok) throw this.mismatch(`number ${literal}`, kind, struct, path);
    const n = Number(literal);
    return Number.isSafeInteger(n) ? n : BigInt(literal);
  }

  private object(
    obj: Record<string, unknown>,
    kind: Extract<Kind, { k: "struct" }>,
    path: string[],
  ): Record<string, unknown> {
    const names = Object.keys(kind.fields);
    const got: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      const name = key in kind.fields
        ? key
        : names.find((n) => n.toLowerCase() === key.toLowerCase());
      if (name === undefined) continue; // Go ignores unknown keys.
      const field = kind.fields[name]!;
      if (v === null) {
        delete got[name]; // null leaves the zero value.
        continue;
      }
      got[name] = this.value(v, field.kind, obj, key, kind.name, [...path, name]);
    }
    // Rebuild in schema order, filling required fields, dropping other platforms.
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(kind.fields)) {
      if (field.kind.k === "opaque") continue;
      if (name in got) out[name] = got[name];
      else if (field.req) out[name] = zeroValue(field.kind);
    }
    return out;
  }

  /** Decodes the top-level value. */
  top(v: unknown, kind: Kind): unknown {
    if (v === null) throw new SpecError(`${this.root} cannot be null`);
    return this.value(v, kind, undefined, "", undefined, []);
  }
}

function decode(text: string, kind: Kind, what: string, root: string): unknown {
  let parsed: ReturnType<typeof parseJson>;
  try {
    parsed = parseJson(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new SpecError(`invalid JSON in ${what}: ${detail}`, { cause: err });
  }
  return new Decoder(parsed.literals, root).top(parsed.value, kind);
}

/**
 * Decodes the text of a config.json.
 *
 * @param text The file's contents.
 * @param what How to name the file in a syntax error message.
 * @returns The spec, normalised as Go's decoder would leave it.
 * @throws {SpecError} On a syntax error, `null`, or a type mismatch (Go's text).
 * @example
 * ```ts
 * const spec = decodeSpec('{"ociVersion": "1.0.2", "process": {"cwd": "/"}}');
 * spec.process?.user.uid; // 0
 * ```
 */
export function decodeSpec(text: string, what = "config.json"): Spec {
  return decode(text, SPEC, what, "config") as Spec;
}

/**
 * Decodes a process JSON, as given to `runc exec --process`.
 *
 * @param text The file's contents.
 * @param what How to name the file in a syntax error message.
 * @returns The process, normalised as Go's decoder would leave it.
 * @throws {SpecError} On a syntax error, `null`, or a type mismatch (Go's text).
 */
export function decodeProcess(text: string, what = "process.json"): Process {
  return decode(text, PROCESS, what, "process") as Process;
}
