/**
 * A resctrl mount made of plain files, for the Intel RDT tests on hosts
 * without RDT: the kernel's file names (info/L3, info/MB, info/L3_MON,
 * info/last_cmd_status, schemata, tasks), a "kernel" that checks nothing.
 * The code under test is pointed at it by RUNC_TEST_RESCTRL_ROOT.
 *
 * @module
 */

/** What the fake mount offers. */
export interface FakeResctrl {
  /** info/L3 (cache allocation). */
  l3?: boolean;
  /** info/MB (memory bandwidth allocation). */
  mb?: boolean;
  /** info/L3_MON/mon_features lines, and mon_data domains in each group made by the test. */
  mon?: string[];
}

/** The text of the fake info/last_cmd_status. */
export const LAST_CMD_STATUS = "Invalid schemata (fake kernel)";

/**
 * Makes the fake mount in dir.
 *
 * @param dir an empty directory
 * @param f the features
 */
export function makeFakeResctrl(dir: string, f: FakeResctrl = { l3: true, mb: true }): void {
  const w = (p: string, text: string) => {
    Deno.mkdirSync(`${dir}/${p}`.replace(/\/[^/]+$/, ""), { recursive: true });
    Deno.writeTextFileSync(`${dir}/${p}`, text);
  };
  w("info/last_cmd_status", `${LAST_CMD_STATUS}\n`);
  const root: string[] = [];
  if (f.l3) {
    w("info/L3/cbm_mask", "fffff\n");
    w("info/L3/min_cbm_bits", "1\n");
    w("info/L3/num_closids", "16\n");
    root.push("L3:0=fffff;1=fffff");
  }
  if (f.mb) {
    w("info/MB/bandwidth_gran", "10\n");
    w("info/MB/delay_linear", "1\n");
    w("info/MB/min_bandwidth", "10\n");
    w("info/MB/num_closids", "8\n");
    root.push("    MB:0=100;1=100");
  }
  if (f.mon) w("info/L3_MON/mon_features", f.mon.map((l) => `${l}\n`).join(""));
  w("schemata", root.map((l) => `${l}\n`).join(""));
  w("tasks", "1\n");
}

/**
 * Makes the path that the kernel would refuse a schemata write to with
 * EINVAL: a symlink to /proc/self/oom_score_adj, which takes only a number
 * (and belongs to whichever process opens it, so nothing else changes).
 *
 * @param group the group directory (made when missing)
 */
export function refusingSchemata(group: string): void {
  Deno.mkdirSync(group, { recursive: true });
  Deno.symlinkSync("/proc/self/oom_score_adj", `${group}/schemata`);
}
