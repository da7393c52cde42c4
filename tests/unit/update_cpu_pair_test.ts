import { assertEquals } from "./_assert.ts";
import { withCpuPair } from "../../core/container/cgroup_commands.ts";

const saved = { cpu: { quota: 500000, period: 1000000, shares: 100 } };

Deno.test("update: a period alone keeps the saved quota (cpu.max holds both on v2)", () => {
  assertEquals(withCpuPair(saved, { cpu: { period: 900000 } }), {
    cpu: { period: 900000, quota: 500000 },
  });
});

Deno.test("update: a quota alone keeps the saved period; -1 stays -1", () => {
  assertEquals(withCpuPair(saved, { cpu: { quota: -1 } }), {
    cpu: { quota: -1, period: 1000000 },
  });
});

Deno.test("update: both, neither, or nothing saved: the update as given", () => {
  const both = { cpu: { quota: 1, period: 2 } };
  assertEquals(withCpuPair(saved, both), both);
  const shares = { cpu: { shares: 5 } };
  assertEquals(withCpuPair(saved, shares), shares);
  assertEquals(withCpuPair({}, { cpu: { period: 900000 } }), { cpu: { period: 900000 } });
  assertEquals(withCpuPair(saved, { pids: { limit: 3 } }), { pids: { limit: 3 } });
});

Deno.test("update -r: field names match without regard to case, as Go's encoding/json", async () => {
  const { resourcesFromJson } = await import("../../core/container/update_request.ts");
  const warn = () => {};
  assertEquals(resourcesFromJson('{"CPU": {"Cpus": "1", "Mems": "0"}}', warn), {
    cpu: { cpus: "1", mems: "0" },
  });
  assertEquals(resourcesFromJson('{"Memory": {"Limit": 1048576}, "PIDS": {"limit": 9}}', warn), {
    memory: { limit: 1048576 },
    pids: { limit: 9 },
  });
  assertEquals(resourcesFromJson('{"cpu": {"shares": 100}}', warn), { cpu: { shares: 100 } });
});
