// Command: the builder, and the spawn that wires each stdio slot to a pipe of the right
// driver. How a piped slot is made (native driver): sys.socketPair() gives two
// non-blocking, close-on-exec AF_UNIX stream sockets; the child's end goes to
// child_process.spawn as a plain fd (libuv dup2()s it onto 0/1/2 in the child and clears
// O_NONBLOCK there), the parent closes its copy of it as soon as spawn returns, and keeps
// the other end on the reactor. libuv never touches the parent's end. Node reaps the
// process (its SIGCHLD handler calls waitpid), so no Child can become a zombie.
import { spawn as nodeSpawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions, StdioOptions } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { available, sys } from '@rt/mio-native';
import type { Readable, Writable } from 'node:stream';
import type { WaitOptions } from '@rt/scheduler';
import { Child } from './child.js';
import { ChildStderr } from './child-stderr.js';
import { ChildStdin } from './child-stdin.js';
import { ChildStdout } from './child-stdout.js';
import { SpawnError } from './errors.js';
import type { ExitStatus } from './exit-status.js';
import type { Output } from './output.js';
import { Stdio } from './stdio.js';
import type { StdioKind } from './stdio.js';
import { NativePipe, socketPair } from './internal/native-pipe.js';
import { NodePipeReader, NodePipeWriter } from './internal/node-pipe.js';
import { readAll } from './internal/read-all.js';
import { describe } from '@rt/scheduler/primitives';

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${describe(value)}`);
  if (value.includes('\0')) throw new TypeError(`${what} must not contain a NUL character, got ${describe(value)}`);
  return value;
}

function checkId(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} must be an integer between 0 and 4294967295, got ${describe(value)}`);
  }
  return value;
}

/**
 * Whether `piped` slots use the reactor: where the addon loaded, unless the environment
 * variable `RT_PROCESS_PIPES=node` asks for Node's pipe streams (read at each spawn).
 */
function nativePipes(): boolean {
  return available && process.env['RT_PROCESS_PIPES'] !== 'node';
}

/**
 * A process builder, as Tokio's `tokio::process::Command`: the program, its arguments,
 * environment, working directory, stdio, user and group; then `spawn()`, `output()` or
 * `status()`.
 *
 * Every setter returns `this` and validates its argument at once. Defaults follow Tokio:
 * `spawn()` and `status()` inherit the parent's stdin, stdout and stderr; `output()` pipes
 * stdout and stderr and gives the child `/dev/null` as stdin, unless set otherwise. The
 * program is looked up in `PATH` when it contains no `/`. A command can be spawned any
 * number of times.
 *
 * **Cancellation:** `output()` and `status()` are not cancel safe in the sense that the
 * child was started: aborting them rejects with `Cancelled`, closes the pipes they opened and
 * kills the child if `killOnDispose(true)` was set; otherwise the child keeps running and is
 * still reaped by Node. `spawn()` never waits.
 *
 * **Errors:** setters throw `TypeError`/`RangeError` naming the bad value; `spawn()` throws
 * (and `output()`/`status()` reject with) {@link SpawnError} with the errno (`ENOENT`,
 * `EACCES`, …) when the program cannot be started.
 *
 * **Example**
 * ```ts
 * const output = await new Command('sh').args(['-c', 'echo out; echo err >&2; exit 3']).output();
 * output.status.code; // 3
 * output.stdout.toString(); // 'out\n'
 * output.stderr.toString(); // 'err\n'
 * ```
 */
export class Command {
  readonly #program: string;
  readonly #args: string[] = [];
  readonly #env = new Map<string, string | null>();
  #envClear = false;
  #cwd: string | undefined;
  #stdin: Stdio | undefined;
  #stdout: Stdio | undefined;
  #stderr: Stdio | undefined;
  #uid: number | undefined;
  #gid: number | undefined;
  #processGroup: number | undefined;
  #killOnDispose = false;

  /** A command that runs `program` (a path, or a name looked up in `PATH`). */
  constructor(program: string) {
    checkString(program, 'Command: program');
    if (program === '') throw new TypeError('Command: program must not be empty');
    this.#program = program;
  }

  /** The program, as given. */
  get program(): string {
    return this.#program;
  }

  /** Adds one argument. */
  arg(arg: string): this {
    this.#args.push(checkString(arg, 'Command.arg: arg'));
    return this;
  }

  /** Adds several arguments. */
  args(args: Iterable<string>): this {
    if (args === null || typeof args !== 'object' || typeof (args as Iterable<string>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`Command.args: args must be an iterable of strings, got ${describe(args)}`);
    }
    const list = [...args];
    list.forEach((a, i) => checkString(a, `Command.args: args[${i}]`));
    this.#args.push(...list);
    return this;
  }

  /** Sets one environment variable for the child. */
  env(key: string, value: string): this {
    this.#env.set(checkKey(key, 'Command.env'), checkString(value, 'Command.env: value'));
    return this;
  }

  /** Sets several environment variables (an object or an iterable of `[key, value]`). */
  envs(vars: Iterable<readonly [string, string]> | Record<string, string>): this {
    if (vars === null || typeof vars !== 'object') throw new TypeError(`Command.envs: vars must be an object or an iterable of [key, value], got ${describe(vars)}`);
    const entries = Symbol.iterator in vars ? [...(vars as Iterable<readonly [string, string]>)] : Object.entries(vars);
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError(`Command.envs: expected [key, value] pairs, got ${describe(entry)}`);
      this.env(entry[0] as string, entry[1] as string);
    }
    return this;
  }

  /** Removes a variable from the child's environment (inherited or set before). */
  envRemove(key: string): this {
    this.#env.set(checkKey(key, 'Command.envRemove'), null);
    return this;
  }

  /** Starts the child's environment empty: only variables set afterwards reach it. */
  envClear(): this {
    this.#envClear = true;
    this.#env.clear();
    return this;
  }

  /** The child's working directory (default: the parent's). */
  currentDir(dir: string): this {
    this.#cwd = checkString(dir, 'Command.currentDir: dir');
    return this;
  }

  /** What the child's stdin is connected to. */
  stdin(stdio: Stdio | StdioKind): this {
    this.#stdin = Stdio.from(stdio, 'Command.stdin');
    return this;
  }

  /** What the child's stdout is connected to. */
  stdout(stdio: Stdio | StdioKind): this {
    this.#stdout = Stdio.from(stdio, 'Command.stdout');
    return this;
  }

  /** What the child's stderr is connected to. */
  stderr(stdio: Stdio | StdioKind): this {
    this.#stderr = Stdio.from(stdio, 'Command.stderr');
    return this;
  }

  /** Runs the child as this user id (setuid; needs privileges). */
  uid(id: number): this {
    this.#uid = checkId(id, 'Command.uid: id');
    return this;
  }

  /** Runs the child as this group id (setgid; needs privileges). */
  gid(id: number): this {
    this.#gid = checkId(id, 'Command.gid: id');
    return this;
  }

  /**
   * Puts the child in a process group. Only `0` is supported (a new group whose id is the
   * child's pid, as Tokio's `process_group(0)`; Node does it with `setsid`, so the child
   * also leads a new session); joining an existing group is a RangeError.
   */
  processGroup(pgid: number): this {
    if (pgid !== 0) throw new RangeError(`Command.processGroup: only 0 (a new group led by the child) is supported by Node's spawn, got ${describe(pgid)}`);
    this.#processGroup = 0;
    return this;
  }

  /** Whether disposing the `Child` (`await using`), or aborting `output()`/`status()`, kills it (SIGKILL). */
  killOnDispose(flag: boolean): this {
    if (typeof flag !== 'boolean') throw new TypeError(`Command.killOnDispose: flag must be a boolean, got ${describe(flag)}`);
    this.#killOnDispose = flag;
    return this;
  }

  /**
   * Starts the program and returns its {@link Child} at once (stdio inherited unless set).
   *
   * **Cancellation:** not applicable: never waits.
   *
   * **Errors:** {@link SpawnError} (`errno` `ENOENT`, `EACCES`, `EAGAIN`, …) when the
   * process cannot be started; an `IoError` when the pipes cannot be made (`EMFILE`).
   *
   * **Example**
   * ```ts
   * const child = new Command('cat').stdin('piped').stdout('piped').spawn();
   * ```
   */
  spawn(): Child {
    return this.#spawn(INHERIT, INHERIT, INHERIT);
  }

  /**
   * Runs the program to completion, collecting stdout and stderr (piped unless set; stdin
   * `/dev/null` unless set). Both pipes are read concurrently, so a child that fills one
   * while the parent waits on the other cannot deadlock.
   *
   * **Cancellation:** see {@link Command}: an abort closes the pipes, kills the child only
   * with `killOnDispose(true)`, and loses what was read so far.
   *
   * **Errors:** {@link SpawnError}; `Cancelled`; `IoError` for pipe failures.
   *
   * **Example**
   * ```ts
   * const { status, stdout } = await new Command('echo').arg('hi').output();
   * ```
   */
  async output(options?: WaitOptions): Promise<Output> {
    const child = this.#spawn(NULL, PIPED, PIPED);
    try {
      const [stdout, stderr, status] = await Promise.all([readAll(child.stdout, options), readAll(child.stderr, options), child.wait(options)]);
      return { status, stdout, stderr };
    } catch (error) {
      this.#abandon(child);
      throw error;
    }
  }

  /**
   * Runs the program to completion (stdio inherited unless set) and resolves with its
   * {@link ExitStatus}; pipes set with `Stdio.piped()` are closed at once.
   *
   * **Cancellation:** see {@link Command}.
   *
   * **Errors:** {@link SpawnError}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const status = await new Command('sh').args(['-c', 'exit 2']).status();
   * status.code; // 2
   * ```
   */
  async status(options?: WaitOptions): Promise<ExitStatus> {
    const child = this.#spawn(INHERIT, INHERIT, INHERIT);
    child.stdin?.close();
    child.stdout?.close();
    child.stderr?.close();
    try {
      return await child.wait(options);
    } catch (error) {
      this.#abandon(child);
      throw error;
    }
  }

  #abandon(child: Child): void {
    child.stdin?.close();
    child.stdout?.close();
    child.stderr?.close();
    if (this.#killOnDispose) child.startKill();
  }

  #environment(): NodeJS.ProcessEnv | undefined {
    if (!this.#envClear && this.#env.size === 0) return undefined;
    const env: NodeJS.ProcessEnv = this.#envClear ? {} : { ...process.env };
    for (const [key, value] of this.#env) {
      if (value === null) delete env[key];
      else env[key] = value;
    }
    return env;
  }

  #spawn(defaultStdin: Stdio, defaultStdout: Stdio, defaultStderr: Stdio): Child {
    const kinds = [this.#stdin ?? defaultStdin, this.#stdout ?? defaultStdout, this.#stderr ?? defaultStderr].map((s) => s.kind);
    const native = nativePipes();
    const parentEnds: (number | null)[] = [null, null, null];
    const childEnds: (number | null)[] = [null, null, null];
    const stdio: ('pipe' | 'inherit' | 'ignore' | number)[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const kind = kinds[i]!;
        if (kind === 'piped') {
          if (native) {
            const [parent, child] = socketPair();
            parentEnds[i] = parent;
            childEnds[i] = child;
            stdio.push(child);
          } else {
            stdio.push('pipe');
          }
        } else {
          stdio.push(kind === 'null' ? 'ignore' : 'inherit');
        }
      }
    } catch (error) {
      for (const fd of [...parentEnds, ...childEnds]) if (fd !== null) sys.close(fd);
      throw error;
    }
    const options: SpawnOptions = { stdio: stdio as StdioOptions };
    const env = this.#environment();
    if (env !== undefined) options.env = env;
    if (this.#cwd !== undefined) options.cwd = this.#cwd;
    if (this.#uid !== undefined) options.uid = this.#uid;
    if (this.#gid !== undefined) options.gid = this.#gid;
    if (this.#processGroup !== undefined) options.detached = true;
    let child: ChildProcess;
    try {
      child = nodeSpawn(this.#program, this.#args, options);
    } catch (error) {
      for (const fd of [...parentEnds, ...childEnds]) if (fd !== null) sys.close(fd);
      const errno = (error as { code?: unknown }).code;
      throw new SpawnError(this.#program, typeof errno === 'string' ? errno : 'UNKNOWN', undefined, { cause: error, args: this.#args });
    } finally {
      // The child has its copies (or was never made): the parent's copies must go now, or
      // the parent would never see end of file on the child's stdout.
      for (const fd of childEnds) if (fd !== null) sys.close(fd);
    }
    // Node reports failures to start (ENOENT, EACCES, …) on the next tick; a missing pid
    // is the synchronous sign of one.
    child.on('error', () => {});
    if (child.pid === undefined) {
      for (const fd of parentEnds) if (fd !== null) sys.close(fd);
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      const [errno, detail] = this.#diagnose(env);
      throw new SpawnError(this.#program, errno, detail, { args: this.#args });
    }
    const label = (name: string): string => `Child(${child.pid}).${name}`;
    let stdin: ChildStdin | null = null;
    let stdout: ChildStdout | null = null;
    let stderr: ChildStderr | null = null;
    try {
      // NativePipe takes its fd even when it throws (the runtime's reactor is closed, …).
      if (kinds[0] === 'piped') stdin = new ChildStdin(native ? new NativePipe(take(parentEnds, 0), true, label('stdin')) : new NodePipeWriter(child.stdin as Writable, label('stdin')));
      if (kinds[1] === 'piped') stdout = new ChildStdout(native ? new NativePipe(take(parentEnds, 1), false, label('stdout')) : new NodePipeReader(child.stdout as Readable, label('stdout')));
      if (kinds[2] === 'piped') stderr = new ChildStderr(native ? new NativePipe(take(parentEnds, 2), false, label('stderr')) : new NodePipeReader(child.stderr as Readable, label('stderr')));
    } catch (error) {
      stdin?.close();
      stdout?.close();
      stderr?.close();
      for (const fd of parentEnds) if (fd !== null) sys.close(fd);
      // No Child will ever own it: do not leave it running behind the caller's back.
      child.kill('SIGKILL');
      throw error;
    }
    return new Child(child, stdin, stdout, stderr, this.#killOnDispose);
  }

  /**
   * Node's failure to start carries its errno only in an event of the next tick; find the
   * cause synchronously the way execvp would meet it.
   */
  #diagnose(env: NodeJS.ProcessEnv | undefined): [string, string | undefined] {
    const cwd = this.#cwd ?? process.cwd();
    try {
      if (!statSync(cwd).isDirectory()) return ['ENOTDIR', `current directory ${JSON.stringify(cwd)} is not a directory`];
    } catch {
      return ['ENOENT', `current directory ${JSON.stringify(cwd)} does not exist`];
    }
    const program = this.#program;
    const candidates = program.includes('/')
      ? [isAbsolute(program) ? program : resolve(cwd, program)]
      : ((env ?? process.env)['PATH'] ?? process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter).map((dir) => join(resolve(cwd, dir || '.'), program));
    let found = false;
    for (const path of candidates) {
      try {
        statSync(path);
      } catch {
        continue;
      }
      found = true;
      try {
        if (statSync(path).isDirectory()) continue;
        accessSync(path, fsConstants.X_OK);
        return ['UNKNOWN', undefined];
      } catch {
        // Exists but is not executable: EACCES unless a later candidate runs.
      }
    }
    return found ? ['EACCES', 'the program is not executable'] : ['ENOENT', program.includes('/') ? 'no such program' : 'not found in PATH'];
  }
}

/** Hands over the fd in `slots[i]`, leaving null. */
function take(slots: (number | null)[], i: number): number {
  const fd = slots[i]!;
  slots[i] = null;
  return fd;
}

const INHERIT = Stdio.inherit();
const PIPED = Stdio.piped();
const NULL = Stdio.null();

function checkKey(key: unknown, what: string): string {
  checkString(key, `${what}: key`);
  if (key === '' || (key as string).includes('=')) throw new TypeError(`${what}: key must be non-empty and contain no '=', got ${describe(key)}`);
  return key as string;
}

