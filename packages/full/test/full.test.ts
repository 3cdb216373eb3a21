import * as full from '@rt/full';
import * as rtFeature from '@rt/full/rt';
import * as timeFeature from '@rt/full/time';
import * as syncFeature from '@rt/full/sync';
import * as ioFeature from '@rt/full/io';
import * as utilFeature from '@rt/full/util';
import * as util from '@rt/util';
import * as macrosFeature from '@rt/full/macros';
import * as scheduler from '@rt/scheduler';
import * as time from '@rt/time';
import * as sync from '@rt/sync';
import * as io from '@rt/io';
import * as macros from '@rt/macros';
import * as signalFeature from '@rt/full/signal';
import * as processFeature from '@rt/full/process';
import * as fsFeature from '@rt/full/fs';
import * as signal from '@rt/signal';
import * as rtProcess from '@rt/process';
import * as fs from '@rt/fs';
import * as multiThreadFeature from '@rt/full/rt-multi-thread';
import * as multiThread from '@rt/multi-thread';
import * as tlsFeature from '@rt/full/tls';
import * as tls from '@rt/tls';
import * as httpFeature from '@rt/full/http';
import * as http from '@rt/http';
import * as consoleFeature from '@rt/full/console';
import * as rtConsole from '@rt/console';

describe('@rt/full', () => {
  it('re-exports each package as a namespace named after Tokio\'s module', async () => {
    expect(full.time.sleep).toBe(time.sleep);
    expect(full.sync.Mutex).toBe(sync.Mutex);
    expect(full.sync.mpsc.channel).toBe(sync.mpsc.channel);
    expect(full.io.duplex).toBe(io.duplex);
    expect(full.util.CancellationToken).toBe(util.CancellationToken);
    expect(full.util.Framed).toBe(util.Framed);
    expect(full.runtime.Builder).toBe(multiThread.Builder);
    const current = full.runtime.Builder.currentThread().build();
    expect(current).toBeInstanceOf(scheduler.Runtime);
    await current.shutdown();
    expect(full.runtime.Builder.multiThread()).toBeInstanceOf(multiThread.MultiThreadBuilder);
    expect(full.runtime.MultiThreadRuntime).toBe(multiThread.MultiThreadRuntime);
    expect(full.task.spawnOn).toBe(multiThread.spawnOn);
    expect(full.runtime.Handle).toBe(scheduler.Handle);
    expect(full.task.JoinSet).toBe(scheduler.JoinSet);
    expect(full.task.spawnBlocking).toBe(scheduler.spawnBlocking);
  });

  it('puts the entry points at the top level', () => {
    expect(full.spawn).toBe(scheduler.spawn);
    expect(full.main).toBe(macros.main);
    expect(full.select).toBe(macros.select);
    expect(full.join).toBe(macros.join);
    expect(full.tryJoin).toBe(macros.tryJoin);
    expect(full.test).toBe(macros.test);
  });

  it('has one subpath per feature, each the package itself', () => {
    expect(rtFeature.spawn).toBe(scheduler.spawn);
    expect(timeFeature.interval).toBe(time.interval);
    expect(syncFeature.Semaphore).toBe(sync.Semaphore);
    expect(ioFeature.BufReader).toBe(io.BufReader);
    expect(utilFeature.LinesCodec).toBe(util.LinesCodec);
    expect(macrosFeature.select).toBe(macros.select);
    expect(signalFeature.signal).toBe(signal.signal);
    expect(processFeature.Command).toBe(rtProcess.Command);
    expect(fsFeature.File).toBe(fs.File);
    expect(multiThreadFeature.SharedListener).toBe(multiThread.SharedListener);
    expect(tlsFeature.TlsConnector).toBe(tls.TlsConnector);
    expect(httpFeature.serve).toBe(http.serve);
    expect(full.http.HttpClient).toBe(http.HttpClient);
    expect(consoleFeature.serveConsole).toBe(rtConsole.serveConsole);
  });

  it('has the console namespace', () => {
    expect(full.console.serveConsole).toBe(rtConsole.serveConsole);
    expect(full.console.ConsoleClient).toBe(rtConsole.ConsoleClient);
    expect(full.console.PROTOCOL_VERSION).toBe(1);
  });

  it('has the signal, process, fs, tls and multiThread namespaces', () => {
    expect(full.signal.ctrlC).toBe(signal.ctrlC);
    expect(full.process.Command).toBe(rtProcess.Command);
    expect(full.fs.readFile).toBe(fs.readFile);
    expect(full.multiThread.shared.mpsc.channel).toBe(multiThread.shared.mpsc.channel);
    expect(full.multiThread.shared.Semaphore).toBe(multiThread.shared.Semaphore);
    expect(full.multiThread.shared.Semaphore).not.toBe(full.sync.Semaphore);
    expect(multiThreadFeature.shared).toBe(multiThread.shared);
    expect(full.tls.TlsAcceptor).toBe(tls.TlsAcceptor);
  });

  it('runs a task that uses a channel and the clock through the namespaces', async () => {
    const [tx, rx] = full.sync.mpsc.channel<number>(1);
    const producer = full.spawn(async () => {
      await full.time.sleep(1);
      await tx.send(7);
    });
    await expect(rx.recv()).resolves.toBe(7);
    await producer;
  });
});
