// CPU per task of spawn + join in one build of @rt/scheduler, loaded from a given dist, so two
// builds can alternate in fresh processes (how the scheduler README's sixth pass of issue 16
// compared them). Prints CPU ns per task, best of 2 runs of 1,000,000 tasks in this process, and
// the process's peak RSS in MB.
//
//   node benchmarks/spawn-builds.mjs <path to a build's dist/index.js> <case>
//   cases: promise-all (the baseline, no rt code), in-task (spawn all, then await each, in a
//   task), joinset (JoinSet.joinAll), outside (Promise.all(handles) outside any task)
//   callgrind: node benchmarks/spawn-builds.mjs <dist> cg-in-task|cg-joinset <n>: one run of n
//   (the observability bench's spawn workload); take a run of 100000 minus a run of 0.
//   callgrind of the CPU cases' own workload: <dist> once:<case> <n>: one run of that case with n
//   tasks (take a run of 2n minus a run of n, as spawn-callgrind.bench.mjs does).
const [dist, which, count] = process.argv.slice(2);
const once = which.startsWith('once:');
const N = once ? Number(count) : 1_000_000;
const trivial = async () => 1;
const rt = await import(dist);
const cases = {
  'promise-all': async () => { const p = new Array(N); for (let i = 0; i < N; i++) p[i] = trivial(); await Promise.all(p); },
  'in-task': async () => {
    const runtime = rt.Builder.currentThread().build();
    await runtime.run(async () => { const h = new Array(N); for (let i = 0; i < N; i++) h[i] = rt.spawn(trivial); for (let i = 0; i < N; i++) await h[i]; });
    await runtime.shutdown();
  },
  'joinset': async () => { const set = new rt.JoinSet(); for (let i = 0; i < N; i++) set.spawn(trivial); await set.joinAll(); },
  'outside': async () => { const h = new Array(N); for (let i = 0; i < N; i++) h[i] = rt.spawn(trivial); await Promise.all(h); },
};
if (once) {
  await cases[which.slice('once:'.length)]();
  process.exit(0);
}
if (which.startsWith('cg-')) {
  // One run of `count` for callgrind (--single-threaded --predictable-gc-schedule).
  const n = Number(count);
  const runtime = rt.Builder.currentThread().enableAll().build();
  if (which === 'cg-joinset') {
    await runtime.run(async () => { const set = new rt.JoinSet(); for (let i = 0; i < n; i++) set.spawn(async () => i); await set.joinAll(); });
  } else {
    await runtime.run(async () => {
      const handles = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = rt.spawn(async () => i);
      for (let i = 0; i < n; i++) await handles[i];
    });
  }
  await runtime.shutdown();
  process.exit(0);
}
let best = Infinity;
for (let r = 0; r < 2; r++) {
  const c = process.cpuUsage();
  await cases[which]();
  const u = process.cpuUsage(c);
  best = Math.min(best, ((u.user + u.system) * 1000) / N);
}
// CPU ns per task, then the process's peak RSS in MB (all runs: the first run of a fresh process is the peak).
console.log(`${best.toFixed(0)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`);
