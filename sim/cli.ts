// `npm run sim`: runs the PVE simulator standalone for manual tries and demos; prints where it listens, how to log
// in and which certificate it presents, and writes the CA to a file. Ctrl-C stops it.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from './index.js';

const USAGE = `usage: npm run sim -- [--port N] [--http] [--nodes pve1,pve2] [--time-scale X] [--auth-delay MS] [--ca-file PATH]`;

function number(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got '${value}'\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string' },
        http: { type: 'boolean', default: false },
        nodes: { type: 'string' },
        'time-scale': { type: 'string' },
        'auth-delay': { type: 'string' },
        'ca-file': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(USAGE);
    return;
  }
  const nodes = parsed.nodes?.split(',').map((n) => n.trim()).filter(Boolean);
  const sim = await startSimulator({
    port: number('port', parsed.port, 8006),
    https: !parsed.http,
    nodes: nodes?.length ? nodes : undefined,
    timeScale: number('time-scale', parsed['time-scale'], 1),
    authFailureDelayMs: number('auth-delay', parsed['auth-delay'], 3000),
  });
  const caFile = parsed['ca-file'] ?? join(tmpdir(), `pve-sim-${sim.port}-ca.pem`);
  writeFileSync(caFile, sim.caCert);
  const { user, password, tokens } = sim.credentials;
  // Printing credentials is the point of this command: it is a local test double with throw-away secrets.
  console.log(
    [
      `PVE simulator listening on ${sim.url}  (API: ${sim.url}/api2/json)`,
      `nodes:        ${[...sim.state.nodes.keys()].join(', ')}`,
      `user:         ${user}`,
      `password:     ${password}`,
      `token (all):  ${tokens.full.user}!${tokens.full.tokenid}=${tokens.full.secret}`,
      `token (ro):   ${tokens.readonly.user}!${tokens.readonly.tokenid}=${tokens.readonly.secret}`,
      `fingerprint:  ${sim.fingerprint}`,
      `CA file:      ${caFile}`,
      `Press Ctrl-C to stop.`,
    ].join('\n'),
  );
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`simulator failed to start: ${(e as Error).message}`);
  process.exit(1);
});
