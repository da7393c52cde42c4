/**
 * `make bench`: this runtime (build/runc) against Debian's runc, in the same run,
 * interleaved round by round (the order of the two alternates), with medians and
 * the ratio ours/runc. Prints a table and writes build/bench.json.
 *
 * What is measured (issue 9):
 * 1. `run` of /bin/true from a busybox bundle;
 * 2. the shim sequence: create, start, state until stopped, delete;
 * 3. resident memory of the waiting init of a created container, and the peak
 *    resident memory of the CLI process during a foreground `run`;
 * 4. 20 containers run in parallel (`run` of /bin/true), total wall time;
 * 5. the latency of `state`, `list`, `kill` and `start`, beside the pinned Deno
 *    running an empty script;
 * 6. where ours spends a `run`: the medians of its `--debug` phase marks.
 *
 * The targets are issue 19's, as ratios to runc in the same run.
 *
 * Usage: deno run -A tests/bench/bench.ts [--rounds N] [--out FILE] [--ours PATH]
 *        [--runc PATH] [--deno PATH]
 *
 * Every container is deleted (--force) and the scratch directory removed when
 * the script ends, also when it fails or is interrupted.
 *
 * @module
 */

import { makeRootfs } from "../integration/_util.ts";

interface Options {
  rounds: number;
  parallelRounds: number;
  out: string;
  ours: string;
  runc: string;
  deno: string;
}

function parseArgs(argv: string[]): Options {
  const here = (p: string) => new URL(p, import.meta.url).pathname;
  const o: Options = {
    rounds: 15,
    parallelRounds: 5,
    out: here("../../build/bench.json"),
    ours: here("../../build/runc"),
    runc: "/usr/bin/runc",
    deno: Deno.execPath(),
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    const need = () => {
      if (v === undefined) throw new Error(`${argv[i]} needs a value`);
      i++;
      return v;
    };
    switch (argv[i]) {
      case "--rounds":
        o.rounds = Number(need());
        break;
      case "--parallel-rounds":
        o.parallelRounds = Number(need());
        break;
      case "--out":
        o.out = need();
        break;
      case "--ours":
        o.ours = need();
        break;
      case "--runc":
        o.runc = need();
        break;
      case "--deno":
        o.deno = need();
        break;
      default:
        throw new Error(`Unknown argument ${argv[i]}`);
    }
  }
  return o;
}

/** One runtime under test: its binary and its own --root. */
interface Runtime {
  name: "ours" | "runc";
  bin: string;
  root: string;
}

/** A failed runtime call, with what it printed. */
class CallError extends Error {}

const decoder = new TextDecoder();

/**
 * Runs a command and returns its wall time in ms. With `quiet`, stdio is
 * /dev/null (a created container keeps the stdio it was given, and a pipe would
 * keep us waiting until the container ends); a failure is then repeated through
 * sh with stderr in a file, to say why.
 */
async function timed(
  bin: string,
  args: string[],
  opts: { cwd?: string; quiet?: boolean; check?: boolean } = {},
): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(bin, {
    args,
    stdin: "null",
    stdout: opts.quiet ? "null" : "piped",
    stderr: opts.quiet ? "null" : "piped",
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  }).output();
  const ms = performance.now() - t0;
  const stdout = opts.quiet ? "" : decoder.decode(out.stdout);
  const stderr = opts.quiet ? "(stderr not captured)" : decoder.decode(out.stderr);
  if (out.code !== 0 && opts.check !== false) {
    throw new CallError(`${bin} ${args.join(" ")} exited ${out.code}: ${stderr.trim()}`);
  }
  return { ms, code: out.code, stdout, stderr };
}

const rt = (r: Runtime, args: string[], opts: { quiet?: boolean; check?: boolean } = {}) =>
  timed(r.bin, ["--root", r.root, ...args], opts);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A field of /proc/PID/status in KiB, or undefined when the process is gone. */
function statusKiB(pid: number, field: string): number | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The scratch area: bundles for each kind of container, a --root per runtime. */
class Scratch {
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(ours: string): Promise<Scratch> {
    const s = new Scratch(await Deno.makeTempDir({ prefix: "runc-bench-" }));
    await Deno.chmod(s.dir, 0o755);
    await makeRootfs(`${s.dir}/rootfs`);
    await Deno.writeTextFile(`${s.dir}/empty.js`, "");
    const spec = await timed(ours, ["spec", "--bundle", s.dir]);
    void spec;
    const template = JSON.parse(await Deno.readTextFile(`${s.dir}/config.json`));
    await Deno.remove(`${s.dir}/config.json`);
    for (
      const [name, args] of [
        ["true", ["/bin/true"]],
        ["sleep1", ["/bin/sleep", "1"]],
        ["sleep", ["/bin/sleep", "1000"]],
      ] as const
    ) {
      const spec = structuredClone(template);
      spec.root.path = `${s.dir}/rootfs`;
      spec.process.terminal = false;
      spec.process.args = args;
      await Deno.mkdir(s.bundle(name));
      await Deno.writeTextFile(`${s.bundle(name)}/config.json`, JSON.stringify(spec, null, "\t"));
    }
    return s;
  }

  bundle(name: "true" | "sleep1" | "sleep"): string {
    return `${this.dir}/bundle-${name}`;
  }

  async cleanup(runtimes: Runtime[]): Promise<void> {
    for (const r of runtimes) {
      let ids: string[] = [];
      try {
        ids = [...Deno.readDirSync(r.root)].map((e) => e.name);
      } catch { /* never used */ }
      for (const id of ids) await rt(r, ["delete", "--force", id], { check: false });
    }
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Samples of one figure for both runtimes (or for Deno alone). */
type Samples = Record<string, number[]>;

interface Figure {
  name: string;
  unit: "ms" | "MiB";
  target?: string;
  /** Whether the target holds, given the medians. */
  check?: (med: Record<string, number>) => boolean;
  samples: Samples;
}

async function waitStopped(r: Runtime, id: string): Promise<number> {
  let polls = 0;
  for (;;) {
    polls++;
    const s = await rt(r, ["state", id]);
    if (JSON.parse(s.stdout).status === "stopped") return polls;
    if (polls > 2000) throw new CallError(`${r.name}: ${id} never stopped`);
  }
}

async function main(): Promise<void> {
  const o = parseArgs(Deno.args);
  const scratch = await Scratch.create(o.ours);
  const runtimes: Runtime[] = [
    { name: "ours", bin: o.ours, root: `${scratch.dir}/root-ours` },
  ];
  try {
    Deno.statSync(o.runc);
    runtimes.push({ name: "runc", bin: o.runc, root: `${scratch.dir}/root-runc` });
  } catch {
    console.error(`bench: no reference runc at ${o.runc}; measuring ours alone`);
  }
  const names = runtimes.map((r) => r.name);
  const empty = (): Samples => Object.fromEntries(names.map((n) => [n, []]));

  const stop = () => {
    console.error("bench: interrupted, cleaning up");
    scratch.cleanup(runtimes).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);

  const fig = {
    denoEmpty: { name: "deno: empty script", unit: "ms", samples: { deno: [] } } as Figure,
    run: {
      name: "run /bin/true",
      unit: "ms",
      target: "<= 2x runc",
      check: (m) => m.ours! <= 2 * m.runc!,
      samples: empty(),
    } as Figure,
    shim: {
      name: "create+start+state..+delete",
      unit: "ms",
      target: "<= 2.5x runc",
      check: (m) => m.ours! <= 2.5 * m.runc!,
      samples: empty(),
    } as Figure,
    state: { name: "state (running)", unit: "ms", samples: empty() } as Figure,
    list: { name: "list (1 container)", unit: "ms", samples: empty() } as Figure,
    start: { name: "start", unit: "ms", samples: empty() } as Figure,
    kill: { name: "kill KILL", unit: "ms", samples: empty() } as Figure,
    delete: { name: "delete (stopped)", unit: "ms", samples: empty() } as Figure,
    initRss: {
      name: "waiting init VmRSS",
      unit: "MiB",
      target: "ours <= 1 MiB",
      check: (m) => m.ours! <= 1,
      samples: empty(),
    } as Figure,
    cliRss: {
      name: "CLI peak RSS in run",
      unit: "MiB",
      target: "ours <= 32 MiB",
      check: (m) => m.ours! <= 32,
      samples: empty(),
    } as Figure,
    parallel: {
      name: "20 x run in parallel",
      unit: "ms",
      target: "<= 2x runc",
      check: (m) => m.ours! <= 2 * m.runc!,
      samples: empty(),
    } as Figure,
  };
  // The four short commands: within 3 ms of Deno's empty-script start-up (issue 19).
  for (const k of ["state", "list", "start", "kill"] as const) {
    fig[k].target = "ours <= deno + 3 ms";
    fig[k].check = (m) => m.ours! <= m.deno! + 3;
  }
  // Where ours spends a `run`: its --debug phase lines (ms since the start).
  const phases = new Map<string, number[]>();

  const order = (round: number) => (round % 2 ? [...runtimes].reverse() : runtimes);
  let seq = 0;
  const nextId = (r: Runtime) => `bench-${r.name}-${seq++}`;

  try {
    // Warm the page cache and each binary once.
    for (const r of runtimes) {
      await rt(r, ["run", "--bundle", scratch.bundle("true"), nextId(r)]);
    }
    await timed(o.deno, ["run", "-A", "--no-config", "--no-lock", `${scratch.dir}/empty.js`]);

    for (let round = 0; round < o.rounds; round++) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\rbench: round ${round + 1}/${o.rounds}`));
      fig.denoEmpty.samples.deno!.push(
        (await timed(o.deno, ["run", "-A", "--no-config", "--no-lock", `${scratch.dir}/empty.js`]))
          .ms,
      );
      for (const r of order(round)) {
        const s = fig.run.samples;
        s[r.name]!.push(
          (await rt(r, ["run", "--bundle", scratch.bundle("true"), nextId(r)], { quiet: true }))
            .ms,
        );
      }
      const ours = runtimes[0]!;
      const traced = await rt(ours, [
        "--debug",
        "run",
        "--bundle",
        scratch.bundle("true"),
        nextId(ours),
      ]);
      for (const m of traced.stderr.matchAll(/msg="([^"]+)" ms=([0-9.]+)/g)) {
        const phase = m[1]!.replace(/[0-9]+/g, "N");
        phases.set(phase, [...(phases.get(phase) ?? []), Number(m[2])]);
      }
      for (const r of order(round)) {
        const id = nextId(r);
        const t0 = performance.now();
        await rt(r, ["create", "--bundle", scratch.bundle("true"), id], { quiet: true });
        await rt(r, ["start", id], { quiet: true });
        await waitStopped(r, id);
        await rt(r, ["delete", id]);
        fig.shim.samples[r.name]!.push(performance.now() - t0);
      }
      for (const r of order(round)) {
        // A created container: its waiting init's memory, then the short commands.
        const id = nextId(r);
        await rt(r, ["create", "--bundle", scratch.bundle("sleep"), id], { quiet: true });
        const pid = JSON.parse((await rt(r, ["state", id])).stdout).pid as number;
        const rss = statusKiB(pid, "VmRSS");
        if (rss === undefined) throw new CallError(`${r.name}: no init process ${pid}`);
        fig.initRss.samples[r.name]!.push(rss / 1024);
        fig.start.samples[r.name]!.push((await rt(r, ["start", id], { quiet: true })).ms);
        fig.state.samples[r.name]!.push((await rt(r, ["state", id])).ms);
        fig.list.samples[r.name]!.push((await rt(r, ["list"])).ms);
        fig.kill.samples[r.name]!.push((await rt(r, ["kill", id, "KILL"])).ms);
        await waitStopped(r, id);
        fig.delete.samples[r.name]!.push((await rt(r, ["delete", id])).ms);
      }
    }
    Deno.stderr.writeSync(new TextEncoder().encode("\n"));

    for (let round = 0; round < o.parallelRounds; round++) {
      Deno.stderr.writeSync(
        new TextEncoder().encode(`\rbench: parallel/memory round ${round + 1}/${o.parallelRounds}`),
      );
      for (const r of order(round)) {
        const ids = Array.from({ length: 20 }, () => nextId(r));
        const t0 = performance.now();
        await Promise.all(
          ids.map((id) => rt(r, ["run", "--bundle", scratch.bundle("true"), id], { quiet: true })),
        );
        fig.parallel.samples[r.name]!.push(performance.now() - t0);
      }
      for (const r of order(round)) {
        fig.cliRss.samples[r.name]!.push(await cliPeakRss(r, scratch.bundle("sleep1"), nextId(r)));
      }
    }
    Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await scratch.cleanup(runtimes);
  }

  report(Object.values(fig), o, names, phases);
}

/**
 * The peak resident memory of a foreground `run` (of `sleep 1`): the largest of
 * VmRSS and VmHWM sampled every 5 ms from its /proc/PID/status. build/runc's #!
 * interpreter execs Deno in the same pid; VmHWM restarts at the exec.
 */
async function cliPeakRss(r: Runtime, bundle: string, id: string): Promise<number> {
  const child = new Deno.Command(r.bin, {
    args: ["--root", r.root, "run", "--bundle", bundle, id],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let peak = 0;
  let done = false;
  const status = child.status.then((s) => {
    done = true;
    return s;
  });
  while (!done) {
    peak = Math.max(
      peak,
      statusKiB(child.pid, "VmHWM") ?? 0,
      statusKiB(child.pid, "VmRSS") ?? 0,
    );
    await new Promise((res) => setTimeout(res, 5));
  }
  const s = await status;
  if (s.code !== 0) throw new CallError(`${r.name} run ${id} exited ${s.code}`);
  return peak / 1024;
}

function report(
  figures: Figure[],
  o: Options,
  names: string[],
  phases: Map<string, number[]>,
): void {
  const rows: string[][] = [[
    "figure",
    "unit",
    "ours",
    "runc",
    "ours/runc",
    "deno empty",
    "ours-deno",
    "target",
    "met",
  ]];
  const denoMed = median(figures[0]!.samples["deno"]!);
  const json: Record<string, unknown> = {};
  for (const f of figures) {
    const med: Record<string, number> = { deno: denoMed };
    for (const [k, v] of Object.entries(f.samples)) med[k] = median(v);
    const ratio = med.ours !== undefined && med.runc !== undefined
      ? med.ours / med.runc
      : undefined;
    const met =
      f.check && med.ours !== undefined && (med.runc !== undefined || !f.target?.includes("runc"))
        ? f.check(med)
        : undefined;
    const fmt = (x: number | undefined) =>
      x === undefined || Number.isNaN(x) ? "-" : x.toFixed(f.unit === "MiB" ? 2 : 1);
    const aboveDeno = f.unit === "ms" && med.ours !== undefined ? med.ours - denoMed : undefined;
    rows.push([
      f.name,
      f.unit,
      fmt(f.name.startsWith("deno") ? med.deno : med.ours),
      fmt(med.runc),
      ratio === undefined ? "-" : ratio.toFixed(2) + "x",
      f.unit === "ms" ? denoMed.toFixed(1) : "-",
      aboveDeno === undefined ? "-" : (aboveDeno >= 0 ? "+" : "") + aboveDeno.toFixed(1),
      f.target ?? "",
      met === undefined ? "" : met ? "yes" : "NO",
    ]);
    json[f.name] = {
      unit: f.unit,
      medians: Object.fromEntries(
        names.concat(["deno"]).filter((k) => f.samples[k]).map((
          k,
        ) => [k, med[k]]),
      ),
      ...(ratio === undefined ? {} : { ratio }),
      ...(f.target === undefined ? {} : { target: f.target, met }),
      samples: f.samples,
    };
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 || c === 7 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ").trimEnd();
  console.log(line(rows[0]!));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) console.log(line(r));
  const doc = {
    date: new Date().toISOString(),
    host: { kernel: Deno.osRelease(), cpus: navigator.hardwareConcurrency },
    deno: Deno.version.deno,
    ours: o.ours,
    runc: o.runc,
    rounds: o.rounds,
    parallelRounds: o.parallelRounds,
    figures: json,
  };
  // The phase breakdown: the median of each mark, and what the phase took.
  console.log("\nours: run /bin/true by phase (--debug marks, medians, ms)");
  let prev = 0;
  const phaseDoc: Record<string, { at: number; took: number }> = {};
  for (const [phase, at] of phases) {
    const m = median(at);
    const took = m - prev;
    prev = m;
    phaseDoc[phase] = { at: m, took };
    console.log(`${m.toFixed(1).padStart(7)}  ${`+${took.toFixed(1)}`.padStart(6)}  ${phase}`);
  }
  Deno.writeTextFileSync(o.out, JSON.stringify({ ...doc, phases: phaseDoc }, null, 2) + "\n");
  console.log(`\nwrote ${o.out}`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    Deno.exit(1);
  }
}
