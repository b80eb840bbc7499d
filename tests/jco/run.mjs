// Runs the transpiled wandb-agent component under Node (jco + preview2-shim) against the
// emulator: two operations, a not-found error and an allowlist denial.
// Run: `npx jco transpile ... -o out --map ...` then `node run.mjs` (scripts/test.sh does both).
import { spawn } from 'node:child_process';
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const KEY = 'demo_0123456789abcdef0123456789abcdef0123';

function startEmulator() {
  const child = spawn(path.join(root, 'target/release/wandb-emulator'), ['--listen', '127.0.0.1:0', '--api-key', KEY]);
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => {
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(chunk.toString());
      m ? resolve({ child, url: m[0] }) : reject(new Error(`emulator did not start: ${chunk}`));
    });
    child.once('error', reject);
  });
}

async function callInChild(env) {
  // preview2-shim reads the environment once, so a different base URL needs a fresh process.
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--probe'], { env: { ...process.env, ...env } });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => proc.on('close', resolve));
  return { code, out };
}

if (process.argv.includes('--probe')) {
  // Child mode: one summary call with whatever environment the parent gave.
  const agent = await import('./out/wandb-agent.js');
  try {
    console.log(`ok ${agent.wandbSummary('demo/vision/x7k2m9qa', undefined, [], [])}`);
  } catch (e) {
    console.log(`${e?.payload?.tag}: ${e?.payload?.val}`);
  }
  process.exit(0);
}

const { child, url } = await startEmulator();
try {
  // In hosts without credential injection the component sends WANDB_API_KEY itself.
  process.env.WANDB_BASE_URL = url;
  process.env.WANDB_API_KEY = KEY;
  process.env.WANDB_AGENT_ALLOW = url;
  const agent = await import('./out/wandb-agent.js');

  // list-runs' records: `hidden`, and the run filter (its lists empty, its options left out).
  const runs = agent.wandbListRuns('demo/vision', 3, { includeCrashed: false, includeShort: false }, { state: [], tag: [], where: [] }, []);
  assert.ok(runs.startsWith('id,name,state,created_at,runtime_s,steps\nk5e6y7mx,multi-cadence,finished'), runs);

  const summary = agent.wandbSummary('demo/vision/d1v3rg3n', undefined, [], []);
  assert.ok(summary.includes('"loss":"NaN"'), summary);

  const notFound = (() => { try { agent.wandbSummary('demo/vision/nosuchrn', undefined, [], []); } catch (e) { return e; } })();
  assert.equal(notFound?.payload?.tag, 'not-found', String(notFound));
  // Under a host that does not say it is our CLI, hints name the exports, not CLI commands.
  assert.equal(notFound.payload.val, 'Run nosuchrn not found in demo/vision; list runs with wandb-list-runs (project "demo/vision")');

  // The same server under another name is off the allowlist: the policy refuses it.
  const elsewhere = url.replace('127.0.0.1', 'localhost');
  const denied = await callInChild({ WANDB_BASE_URL: elsewhere });
  assert.equal(denied.out.trim(), `denied: the host's network policy does not allow ${elsewhere}; grant the component network access to it`);
  const allowed = await callInChild({ WANDB_BASE_URL: elsewhere, WANDB_AGENT_ALLOW: elsewhere });
  assert.ok(allowed.out.startsWith('ok {"') && allowed.out.includes('"config":{'), allowed.out);
  console.log('jco OK: list-runs, summary, not-found, and the allowlist wrapper denying then allowing');
} finally {
  child.kill();
}
