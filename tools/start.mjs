// `npm start`: install and build when needed, then run every service in one process
// (embedded mode: PGlite per service, in-process event bus, gateway on http://localhost:8080).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build, ensureDeps, ROOT } from './ensure-deps.mjs';

ensureDeps();
build();

const child = spawn(process.execPath, [join(ROOT, 'tools/embedded/dist/main.js')], {
  cwd: ROOT,
  stdio: 'inherit',
});
// Ctrl-C reaches the child through the terminal's process group; other signals are forwarded.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
