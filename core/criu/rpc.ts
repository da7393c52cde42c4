/**
 * CRIU's RPC messages (images/rpc.proto of CRIU 3.17, the part runc uses),
 * as a protobufjs descriptor, with typed encode and decode. Only checkpoint
 * and restore load this module (and protobufjs with it).
 *
 * @module
 */
import protobuf from "protobufjs/light.js";

/** criu_req_type */
export const ReqType = {
  EMPTY: 0,
  DUMP: 1,
  RESTORE: 2,
  CHECK: 3,
  PRE_DUMP: 4,
  PAGE_SERVER: 5,
  NOTIFY: 6,
  CPUINFO_DUMP: 7,
  CPUINFO_CHECK: 8,
  FEATURE_CHECK: 9,
  VERSION: 10,
  WAIT_PID: 11,
  PAGE_SERVER_CHLD: 12,
  SINGLE_PRE_DUMP: 13,
} as const;

/** The name of a request type, as runc prints it (`DUMP`). */
export function reqTypeName(t: number): string {
  return Object.entries(ReqType).find(([, v]) => v === t)?.[0] ?? String(t);
}

/** criu_cg_mode */
export const CgMode = {
  IGNORE: 0,
  CG_NONE: 1,
  PROPS: 2,
  SOFT: 3,
  FULL: 4,
  STRICT: 5,
  DEFAULT: 6,
} as const;

/** ext_mount_map: a mount point inside the container and what it maps to. */
export interface ExtMountMap {
  key: string;
  val: string;
}

/** inherit_fd: an fd of CRIU's own that stands for a resource named key. */
export interface InheritFd {
  key: string;
  fd: number;
}

/** join_namespace */
export interface JoinNamespace {
  ns: string;
  ns_file: string;
  extra_opt?: string;
}

/** cgroup_root */
export interface CgroupRoot {
  ctrl?: string;
  path: string;
}

/** criu_page_server_info */
export interface PageServerInfo {
  address?: string;
  port?: number;
  pid?: number;
  fd?: number;
}

/** criu_opts: the fields runc sets. */
export interface CriuOpts {
  images_dir_fd: number;
  pid?: number;
  leave_running?: boolean;
  ext_unix_sk?: boolean;
  tcp_established?: boolean;
  evasive_devices?: boolean;
  shell_job?: boolean;
  file_locks?: boolean;
  log_level?: number;
  log_file?: string;
  ps?: PageServerInfo;
  notify_scripts?: boolean;
  root?: string;
  parent_img?: string;
  track_mem?: boolean;
  auto_dedup?: boolean;
  work_dir_fd?: number;
  ext_mnt?: ExtMountMap[];
  manage_cgroups?: boolean;
  cg_root?: CgroupRoot[];
  rst_sibling?: boolean;
  inherit_fd?: InheritFd[];
  manage_cgroups_mode?: number;
  external?: string[];
  empty_ns?: number;
  join_ns?: JoinNamespace[];
  freeze_cgroup?: string;
  lazy_pages?: boolean;
  status_fd?: number;
  orphan_pts_master?: boolean;
  config_file?: string;
  lsm_profile?: string;
  lsm_mount_context?: string;
}

/** criu_features */
export interface CriuFeatures {
  mem_track?: boolean;
  lazy_pages?: boolean;
}

/** criu_req */
export interface CriuReq {
  type: number;
  opts?: CriuOpts;
  notify_success?: boolean;
  keep_open?: boolean;
  features?: CriuFeatures;
}

/** criu_version */
export interface CriuVersion {
  major_number: number;
  minor_number: number;
  gitid?: string;
  sublevel?: number;
  extra?: number;
  name?: string;
}

/** criu_resp */
export interface CriuResp {
  type: number;
  success: boolean;
  dump?: { restored?: boolean };
  restore?: { pid: number };
  notify?: { script?: string; pid?: number };
  ps?: PageServerInfo;
  cr_errno?: number;
  features?: CriuFeatures;
  cr_errmsg?: string;
  version?: CriuVersion;
  status?: number;
}

type Field = { type: string; id: number; rule?: "required" | "repeated" };
const req = (type: string, id: number): Field => ({ type, id, rule: "required" });
const opt = (type: string, id: number): Field => ({ type, id });
const rep = (type: string, id: number): Field => ({ type, id, rule: "repeated" });

/** The messages, field numbers as in rpc.proto. */
const DESCRIPTOR = {
  nested: {
    criu_req_type: { values: ReqType },
    criu_cg_mode: { values: CgMode },
    criu_page_server_info: {
      fields: {
        address: opt("string", 1),
        port: opt("int32", 2),
        pid: opt("int32", 3),
        fd: opt("int32", 4),
      },
    },
    ext_mount_map: { fields: { key: req("string", 1), val: req("string", 2) } },
    join_namespace: {
      fields: { ns: req("string", 1), ns_file: req("string", 2), extra_opt: opt("string", 3) },
    },
    inherit_fd: { fields: { key: req("string", 1), fd: req("int32", 2) } },
    cgroup_root: { fields: { ctrl: opt("string", 1), path: req("string", 2) } },
    criu_opts: {
      fields: {
        images_dir_fd: req("int32", 1),
        pid: opt("int32", 2),
        leave_running: opt("bool", 3),
        ext_unix_sk: opt("bool", 4),
        tcp_established: opt("bool", 5),
        evasive_devices: opt("bool", 6),
        shell_job: opt("bool", 7),
        file_locks: opt("bool", 8),
        log_level: opt("int32", 9),
        log_file: opt("string", 10),
        ps: opt("criu_page_server_info", 11),
        notify_scripts: opt("bool", 12),
        root: opt("string", 13),
        parent_img: opt("string", 14),
        track_mem: opt("bool", 15),
        auto_dedup: opt("bool", 16),
        work_dir_fd: opt("int32", 17),
        ext_mnt: rep("ext_mount_map", 23),
        manage_cgroups: opt("bool", 24),
        cg_root: rep("cgroup_root", 25),
        rst_sibling: opt("bool", 26),
        inherit_fd: rep("inherit_fd", 27),
        manage_cgroups_mode: opt("criu_cg_mode", 34),
        external: rep("string", 37),
        empty_ns: opt("uint32", 38),
        join_ns: rep("join_namespace", 39),
        freeze_cgroup: opt("string", 44),
        lazy_pages: opt("bool", 48),
        status_fd: opt("int32", 49),
        orphan_pts_master: opt("bool", 50),
        config_file: opt("string", 51),
        lsm_profile: opt("string", 53),
        lsm_mount_context: opt("string", 63),
      },
    },
    criu_dump_resp: { fields: { restored: opt("bool", 1) } },
    criu_restore_resp: { fields: { pid: req("int32", 1) } },
    criu_notify: { fields: { script: opt("string", 1), pid: opt("int32", 2) } },
    criu_features: { fields: { mem_track: opt("bool", 1), lazy_pages: opt("bool", 2) } },
    criu_req: {
      fields: {
        type: req("criu_req_type", 1),
        opts: opt("criu_opts", 2),
        notify_success: opt("bool", 3),
        keep_open: opt("bool", 4),
        features: opt("criu_features", 5),
        pid: opt("uint32", 6),
      },
    },
    criu_version: {
      fields: {
        major_number: req("int32", 1),
        minor_number: req("int32", 2),
        gitid: opt("string", 3),
        sublevel: opt("int32", 4),
        extra: opt("int32", 5),
        name: opt("string", 6),
      },
    },
    criu_resp: {
      fields: {
        type: req("criu_req_type", 1),
        success: req("bool", 2),
        dump: opt("criu_dump_resp", 3),
        restore: opt("criu_restore_resp", 4),
        notify: opt("criu_notify", 5),
        ps: opt("criu_page_server_info", 6),
        cr_errno: opt("int32", 7),
        features: opt("criu_features", 8),
        cr_errmsg: opt("string", 9),
        version: opt("criu_version", 10),
        status: opt("int32", 11),
      },
    },
  },
};

let types: { req: protobuf.Type; resp: protobuf.Type } | undefined;

function messageTypes() {
  if (!types) {
    const root = protobuf.Root.fromJSON(DESCRIPTOR);
    types = { req: root.lookupType("criu_req"), resp: root.lookupType("criu_resp") };
  }
  return types;
}

/**
 * Encodes a request.
 *
 * @param r the request
 * @returns the wire bytes
 */
export function encodeReq(r: CriuReq): Uint8Array<ArrayBuffer> {
  const T = messageTypes().req;
  const msg = T.fromObject(r);
  const err = T.verify(msg);
  if (err) throw new Error(`bad CRIU request: ${err}`);
  return new Uint8Array(T.encode(msg).finish());
}

/**
 * Decodes a response (enums as numbers, absent optional fields left out).
 *
 * @param bytes the wire bytes
 * @returns the response
 */
export function decodeResp(bytes: Uint8Array): CriuResp {
  const T = messageTypes().resp;
  return T.toObject(T.decode(bytes), { enums: Number, longs: Number }) as CriuResp;
}

/**
 * Decodes a request (for tests).
 *
 * @param bytes the wire bytes
 */
export function decodeReq(bytes: Uint8Array): CriuReq {
  const T = messageTypes().req;
  return T.toObject(T.decode(bytes), { enums: Number, longs: Number }) as CriuReq;
}

/**
 * Encodes a response (for tests: a fake CRIU).
 *
 * @param r the response
 */
export function encodeResp(r: CriuResp): Uint8Array<ArrayBuffer> {
  const T = messageTypes().resp;
  return new Uint8Array(T.encode(T.fromObject(r)).finish());
}
