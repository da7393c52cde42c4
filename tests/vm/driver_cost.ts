/**
 * What the systemd cgroup driver costs a `create` next to the cgroupfs one,
 * measured in the systemd guest (tests/vm/run.sh with VM_GUEST=systemd and
 * VM_DRIVER_COST=N): N rounds, each a create then a delete of one busybox
 * container with either driver, interleaved, and the medians printed. Not a
 * test: nothing is asserted, and the figures are TCG's (slow in absolute
 * terms, so compare the two columns, not them with a host's).
 *
 *   deno run --allow-all tests/vm/driver_cost.ts [ROUNDS]
 *
 * @module
 */
import { Sandbox } from "../integration/_util.ts";

const rounds = Number(Deno.args[0] ?? "5");
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds: ${Deno.args[0]}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const sb = await Sandbox.create((s) => {
  s.process!.args = ["sleep", "100"];
  s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 100 } };
});
const times: Record<string, { create: number[]; delete: number[] }> = {
  cgroupfs: { create: [], delete: [] },
  systemd: { create: [], delete: [] },
};
try {
  for (let i = 0; i < rounds; i++) {
    for (const driver of ["cgroupfs", "systemd"] as const) {
      const id = `cost-${driver}-${i}`;
      const flags = driver === "systemd" ? ["--systemd-cgroup"] : [];
      await sb.editSpec((s) => {
        s.linux!.cgroupsPath = driver === "systemd"
          ? `system.slice:runc-cost:${id}`
          : `/runc-cost/${id}`;
      });
      let t = performance.now();
      const c = await sb.run([...flags, "create", id]);
      times[driver]!.create.push(performance.now() - t);
      if (c.code !== 0) throw new Error(`${driver} create: ${c.stderr}`);
      t = performance.now();
      const d = await sb.run([...flags, "delete", "--force", id]);
      times[driver]!.delete.push(performance.now() - t);
      if (d.code !== 0) throw new Error(`${driver} delete: ${d.stderr}`);
    }
  }
} finally {
  await sb.dispose();
}
const fs = times.cgroupfs!, sd = times.systemd!;
console.log(
  `driver cost (${rounds} rounds, medians, ms): ` +
    `create cgroupfs ${median(fs.create).toFixed(0)} systemd ${median(sd.create).toFixed(0)} ` +
    `(${(median(sd.create) / median(fs.create)).toFixed(2)}x); ` +
    `delete cgroupfs ${median(fs.delete).toFixed(0)} systemd ${median(sd.delete).toFixed(0)} ` +
    `(${(median(sd.delete) / median(fs.delete)).toFixed(2)}x)`,
);
