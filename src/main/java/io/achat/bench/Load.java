package io.achat.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Drives the protocol from many clients; holds what the modes share. All state lives on one
 * Vert.x event loop, so the accounting needs no locks.
 */
final class Load {

  private static final int CONNECT_TIMEOUT_MILLIS = 30_000;

  final Settings settings;
  final PrintStream progress;
  final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
  final Context context = vertx.getOrCreateContext();
  final Client[] clients;
  private final NetClient net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(CONNECT_TIMEOUT_MILLIS));
  /** Created only when some address is a WebSocket one. */
  private final WebSocketClient webSockets;
  private final SplittableRandom random = new SplittableRandom(42);
  private final long base = System.nanoTime();
  private final Histogram connectTimes = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private final PairCounters sentSeq;
  private final String padding;
  private final LineReader lines;

  // Touched on the event loop only.
  boolean sending;
  /** Set while the closed loop runs, so that each delivery can reopen its sender's window. */
  ClosedLoop closedLoop;
  long measureUntil = Long.MAX_VALUE;
  private long measureFrom = Long.MAX_VALUE;
  private long sent;
  private long expected;
  private long connectFailures;
  private int registered;
  private int nextToConnect;
  private CompletableFuture<Void> allRegistered;
  private CompletableFuture<Void> drained;
  /** The servers' CPU time, in nanoseconds, when the measured window began and ended; -1 unread. */
  private long cpuFrom = -1;
  private long cpuUntil = -1;

  Load(Settings settings, PrintStream progress) {
    this.settings = settings;
    this.progress = progress;
    this.clients = new Client[settings.clients()];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = new Client(i, settings.prefix() + i);
    }
    this.padding = settings.size() > 0 ? " " + "p".repeat(settings.size()) : "";
    this.sentSeq = new PairCounters(clients.length);
    this.lines = new LineReader(this);
    this.webSockets = settings.targets().stream().anyMatch(Address::webSocket)
      ? vertx.createWebSocketClient(WebSocketClientLink.clientOptions(CONNECT_TIMEOUT_MILLIS))
      : null;
  }

  long micros() {
    return (System.nanoTime() - base) / 1000;
  }

  Report throughput() throws Exception {
    return new ClosedLoop(this).run();
  }

  Report latency() throws Exception {
    return new OpenLoop(this).run();
  }

  /** Logged-in clients that say nothing, held so the server's memory can be read. */
  Report idle() throws Exception {
    long before = Rss.total(settings.serverPids());
    long connectMillis = connectAll();
    long after = Rss.total(settings.serverPids());
    if (!settings.serverPids().isEmpty() && (before == 0 || after == 0)) {
      progress.printf("could not read the resident memory of every process of %s%n", settings.serverPids());
    }
    progress.printf("holding %d idle clients for %s%n", clients.length, settings.hold());
    // The server's CPU while they sit idle: from the warm-up after the logins to the hold's end.
    long settle = Math.min(settings.warmup().toMillis(), settings.hold().toMillis());
    Thread.sleep(settle); // the benchmark's own run time, not synchronisation
    long cpuFrom = Cpu.total(settings.serverPids());
    long from = System.nanoTime();
    Thread.sleep(settings.hold().toMillis() - settle);
    long cpuUntil = Cpu.total(settings.serverPids());
    long heldNanos = System.nanoTime() - from;
    Report report = finish("idle", connectMillis);
    report.rss(settings.serverPids().size(), before, after);
    if (cpuFrom >= 0 && cpuUntil >= 0 && heldNanos > 0) {
      report.idleCpu(settings.serverPids().size(), cpuUntil - cpuFrom, heldNanos);
    }
    return report;
  }

  /**
   * Logs every client in, then sends for warm-up plus duration and waits for what is in flight.
   * {@code start} begins sending, on the loop, given the time the warm-up starts.
   */
  Report run(String mode, String header, LongConsumer start) throws Exception {
    long connectMillis = connectAll();
    onLoop(() -> {
      sending = true;
      long now = micros();
      measureFrom = now + settings.warmup().toNanos() / 1000;
      measureUntil = measureFrom + settings.duration().toNanos() / 1000;
      if (!settings.serverPids().isEmpty()) {
        // A read of /proc takes microseconds: done on the loop, at the window's two ends.
        long warmup = Math.max(1, settings.warmup().toMillis());
        vertx.setTimer(warmup, t -> cpuFrom = Cpu.total(settings.serverPids()));
        vertx.setTimer(warmup + Math.max(1, settings.duration().toMillis()),
          t -> cpuUntil = cpuFrom < 0 ? -1 : Cpu.total(settings.serverPids()));
      }
      start.accept(now);
      return null;
    });
    progress.print(header);
    sleepUntilEnd();
    return finish(mode, connectMillis);
  }

  /** Connects and logs in every client; done when each one's message to itself came back. */
  private long connectAll() throws Exception {
    long start = System.nanoTime();
    allRegistered = new CompletableFuture<>();
    context.runOnContext(v -> {
      for (int i = 0; i < settings.connectConcurrency() && nextToConnect < clients.length; i++) {
        connectNext();
      }
    });
    allRegistered.get(10 + clients.length / 100, TimeUnit.SECONDS);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    progress.printf("%d clients logged in in %d ms%n", clients.length, millis);
    return millis;
  }

  private void connectNext() {
    Client client = clients[nextToConnect++];
    Address target = settings.target(client.index);
    client.connectStart = micros();
    Future<ClientLink> connected = target.webSocket()
      ? WebSocketClientLink.connect(webSockets, target, CONNECT_TIMEOUT_MILLIS, client, lines)
      : net.connect(target.port(), target.host()).map(socket -> new TcpClientLink(socket, client, lines));
    connected.onComplete(ar -> {
      if (ar.failed()) {
        connectFailures++;
        allRegistered.completeExceptionally(new IllegalStateException(
          client.name + " could not connect to " + target + ": " + ar.cause().getMessage()));
        return;
      }
      client.link = ar.result();
      client.link.send(client.name + "\n" + client.name + ": ready\n");
    });
  }

  /** {@code client}'s message to itself came back: it is logged in, and frees a connect slot. */
  void registered(Client client) {
    client.registered = true;
    connectTimes.recordValue(Math.max(0, micros() - client.connectStart));
    if (++registered == clients.length) {
      allRegistered.complete(null);
    } else if (nextToConnect < clients.length) {
      connectNext();
    }
    if (registered % 1000 == 0) {
      progress.printf("  %d logged in%n", registered);
    }
  }

  /**
   * Appends {@code from PREFIXn: <sentAt> i=seq i=seq ...}: each recipient gets its own sequence
   * number, so it knows exactly which line it must see next from this sender.
   */
  void compose(StringBuilder out, Client from, long sentAt) {
    int k = settings.recipients();
    int[] to = pick(from.index, k);
    for (int i = 0; i < k; i++) {
      if (i > 0) {
        out.append(", ");
      }
      out.append(settings.prefix()).append(to[i]);
    }
    out.append(": ").append(sentAt);
    for (int r : to) {
      int seq = sentSeq.get(from.index, r);
      sentSeq.set(from.index, r, seq + 1);
      out.append(' ').append(r).append('=').append(seq);
    }
    out.append(padding).append('\n');
    from.outstanding += k;
    sent++;
    expected += k;
  }

  /** {@code k} distinct clients other than {@code self}. */
  private int[] pick(int self, int k) {
    int[] to = new int[k];
    for (int i = 0; i < k; i++) {
      int candidate;
      boolean taken;
      do {
        candidate = random.nextInt(clients.length);
        taken = candidate == self;
        for (int j = 0; j < i && !taken; j++) {
          taken = to[j] == candidate;
        }
      } while (taken);
      to[i] = candidate;
    }
    return to;
  }

  boolean measured(long sentAt) {
    return sentAt >= measureFrom && sentAt < measureUntil;
  }

  void checkDrained() {
    if (drained != null && lines.delivered() >= expected) {
      drained.complete(null);
    }
  }

  private void sleepUntilEnd() throws Exception {
    long total = settings.warmup().toMillis() + settings.duration().toMillis();
    long step = Math.max(1000, total / 10);
    for (long waited = 0; waited < total; waited += step) {
      Thread.sleep(Math.min(step, total - waited)); // the benchmark's own run time
      progress.printf("  %d s: %d delivered%n", (waited + Math.min(step, total - waited)) / 1000,
        onLoop(lines::delivered));
    }
  }

  /** Runs {@code work} on the generator's event loop, where all its state lives, and waits for it. */
  private <T> T onLoop(Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(work.get()));
    return result.get();
  }

  private Report finish(String mode, long connectMillis) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    // Set on the loop together with the end of sending: a delivery that catches up with what
    // was sent so far while windows are still being refilled does not end the wait.
    context.runOnContext(v -> {
      sending = false;
      drained = done;
      checkDrained();
    });
    try {
      done.get(settings.drain().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      progress.printf("not everything arrived within %s%n", settings.drain());
    }
    Report result = onLoop(() -> {
      long delivered = lines.delivered();
      Report r = new Report(mode, settings, sent, expected, delivered, expected - delivered, lines.duplicates(),
        lines.garbled(), lines.errors() + connectFailures, lines.measuredDeliveries(), settings.duration(),
        lines.latency(), connectTimes.copy(), connectMillis);
      if (!settings.serverPids().isEmpty() && !mode.equals("idle")) {
        if (cpuFrom < 0 || cpuUntil < 0) {
          progress.printf("could not read the CPU time of every process of %s%n", settings.serverPids());
        } else {
          r.cpu(settings.serverPids().size(), cpuUntil - cpuFrom, lines.measuredDeliveries());
        }
      }
      for (Client client : clients) {
        client.closing = true;
        if (client.link != null) {
          client.link.close();
        }
      }
      return r;
    });
    vertx.close().await();
    return result;
  }

  void abandon() {
    vertx.close();
  }
}
