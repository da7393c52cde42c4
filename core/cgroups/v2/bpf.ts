/**
 * The cgroup v2 device filter: a BPF_PROG_TYPE_CGROUP_DEVICE program made
 * from the device rules, instruction for instruction as runc 1.1's
 * devicefilter generates it. The rules are first reduced by the v1 emulator,
 * so a list behaves on v2 as it would on v1.
 *
 * The program reads struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
 * u32 minor; } (type in the low 16 bits of access_type, access above), runs
 * one block per exception, each jumping to the next block when it does not
 * match, and ends with the default verdict (1 allow, 0 deny).
 *
 * @module
 */
import { CgroupError } from "../file.ts";
import { DeviceEmulator, type DeviceRule, ruleString } from "../devices.ts";

/** One eBPF instruction; off of a jump is filled in from its label. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** For jumps: the block to go to when the test fails. */
  jumpTo?: number;
}

// Opcodes (linux/bpf.h, linux/bpf_common.h).
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
const ALU32_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const ALU32_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const ALU32_MOV_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
const JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const EXIT = 0x95; // BPF_JMP | BPF_EXIT

/** BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR. */
const DEV_TYPE = { b: 1, c: 2 } as const;
/** BPF_DEVCG_ACC_MKNOD, READ, WRITE. */
const ACC = { m: 1, r: 2, w: 4 } as const;

const ins = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
});

/** The access letters as BPF_DEVCG_ACC_* bits. */
export function accessBits(access: string): number {
  let bits = 0;
  for (const c of access) bits |= ACC[c as keyof typeof ACC] ?? 0;
  return bits;
}

/**
 * The device filter for a list of rules.
 *
 * @param rules the container's rules, in order
 * @returns the instructions (with jump offsets resolved)
 * @throws CgroupError when the rules cannot be expressed (as runc's emulator)
 */
export function deviceFilter(rules: DeviceRule[]): Insn[] {
  const emu = DeviceEmulator.of(rules);
  const clean = emu.rules();
  const insts: Insn[] = [
    // R2 <- type (low 16 bits of access_type)
    ins(LDX_MEM_W, 2, 1, 0, 0),
    ins(ALU32_AND_K, 2, 0, 0, 0xffff),
    // R3 <- access (high 16 bits of access_type)
    ins(LDX_MEM_W, 3, 1, 0, 0),
    ins(ALU32_RSH_K, 3, 0, 0, 16),
    // R4 <- major, R5 <- minor
    ins(LDX_MEM_W, 4, 1, 4, 0),
    ins(LDX_MEM_W, 5, 1, 8, 0),
  ];
  const blockStart: number[] = [];
  let block = 0;
  for (const [i, r] of clean.entries()) {
    if (r.type === "a") {
      if (i !== 0 || r.allow !== emu.defaultAllow) {
        throw new CgroupError(`[internal error] bad wildcard rule at ${i} (${ruleString(r)})`);
      }
      continue;
    }
    blockStart[block] = insts.length;
    const next = block + 1;
    const bits = accessBits(r.access);
    // if (R2 != type) goto next (exceptions always have a type: the emulator drops `a` ones)
    insts.push({ ...ins(JNE_K, 2, 0, 0, DEV_TYPE[r.type]), jumpTo: next });
    if (bits !== 7) {
      // if ((R3 & bits) != R3) goto next: the access asked must be a subset
      insts.push(ins(ALU32_MOV_X, 1, 3, 0, 0), ins(ALU32_AND_K, 1, 0, 0, bits), {
        ...ins(JNE_X, 1, 3, 0, 0),
        jumpTo: next,
      });
    }
    if (r.major >= 0) insts.push({ ...ins(JNE_K, 4, 0, 0, r.major), jumpTo: next });
    if (r.minor >= 0) insts.push({ ...ins(JNE_K, 5, 0, 0, r.minor), jumpTo: next });
    insts.push(ins(ALU32_MOV_K, 0, 0, 0, r.allow ? 1 : 0), ins(EXIT, 0, 0, 0, 0));
    block++;
  }
  blockStart[block] = insts.length;
  insts.push(ins(ALU32_MOV_K, 0, 0, 0, emu.defaultAllow ? 1 : 0), ins(EXIT, 0, 0, 0, 0));
  for (const [pc, x] of insts.entries()) {
    if (x.jumpTo !== undefined) x.off = blockStart[x.jumpTo]! - (pc + 1);
  }
  return insts;
}

/** The instructions as the kernel takes them: 8 bytes each, little-endian. */
export function encodeProgram(insts: Insn[]): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(insts.length * 8);
  const view = new DataView(buf.buffer);
  for (const [i, x] of insts.entries()) {
    view.setUint8(i * 8, x.code);
    view.setUint8(i * 8 + 1, (x.src << 4) | x.dst);
    view.setInt16(i * 8 + 2, x.off, true);
    view.setInt32(i * 8 + 4, x.imm, true);
  }
  return buf;
}
