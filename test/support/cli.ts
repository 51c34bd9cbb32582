import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output so far once `pattern` appears in it; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exit(): Promise<number | null>;
}

/** Runs the CLI from the sources (as `npm start` runs the build of the same code) in a process of its own. */
export function runCli(args: string[], env: Record<string, string>): CliProcess {
  return runTypeScript('server/cli.ts', args, env);
}

/**
 * Runs a TypeScript entry point of the repository (relative to its root) with tsx in a process of its own; with
 * `stdin: true` the child's stdin is a pipe the test writes to (child.stdin), else it is closed.
 */
export function runTypeScript(script: string, args: string[], env: Record<string, string>, options: { stdin?: boolean } = {}): CliProcess {
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, script), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(output);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then((code) => {
          if (!pattern.test(output)) {
            clearTimeout(timer);
            reject(new Error(`exited with ${code} before ${pattern}; output:\n${output}`));
          }
        });
        check();
      }),
    exit: () => exited,
  };
}
