package io.achat.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Drives the protocol from many clients at once. Everything runs on one Vert.x event loop, so
 * the accounting needs no locks. Each message tells every recipient its own sequence number
 * ({@code from u7: <sent-micros> 3=41 9=12 ...}), so each recipient knows exactly which line
 * it must see next from each sender: a gap is a loss, a repeat a duplicate.
 */
final class Load {

  private final Settings settings;
  private final PrintStream progress;
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
  private final Context context = vertx.getOrCreateContext();
  private final NetClient net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000));
  private final Client[] clients;
  private final SplittableRandom random = new SplittableRandom(42);
  private final long base = System.nanoTime();
  private final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private final Histogram connectTimes = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private final List<Client> dirty = new ArrayList<>();
  private final PairCounters sentSeq;
  private final PairCounters expectedSeq;
  private final String padding;
  private final byte[] prefix;

  // Counters, touched on the event loop only.
  private long sent;
  private long expected;
  private long delivered;
  private long duplicates;
  private long garbled;
  private long errors;
  private long connectFailures;
  private long measuredDeliveries;
  private long measureFrom = Long.MAX_VALUE;
  private long measureUntil = Long.MAX_VALUE;
  /** When the chunk being handled arrived, in micros(): one clock read per read, not per line. */
  private long arrivedAt;
  private boolean sending;
  private boolean pumpScheduled;
  private boolean closedLoop;
  private int registered;
  private int nextToConnect;
  private CompletableFuture<Void> allRegistered;
  private CompletableFuture<Void> drained;

  Load(Settings settings, PrintStream progress) {
    this.settings = settings;
    this.progress = progress;
    this.clients = new Client[settings.clients()];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = new Client(i, settings.prefix() + i);
    }
    this.padding = settings.size() > 0 ? " " + "p".repeat(settings.size()) : "";
    this.prefix = settings.prefix().getBytes(StandardCharsets.UTF_8);
    this.sentSeq = new PairCounters(clients.length);
    this.expectedSeq = new PairCounters(clients.length);
  }

  private long micros() {
    return (System.nanoTime() - base) / 1000;
  }

  /** Connects and logs in every client; done when each one's message to itself came back. */
  long connectAll() throws Exception {
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
    client.connectStart = micros();
    net.connect(settings.port(), settings.host()).onComplete(ar -> {
      if (ar.failed()) {
        connectFailures++;
        allRegistered.completeExceptionally(new IllegalStateException(
          client.name + " could not connect: " + ar.cause().getMessage()));
        return;
      }
      client.socket = ar.result();
      client.socket.handler(chunk -> {
        split(client, chunk);
        schedulePump();
      });
      client.socket.closeHandler(v -> {
        if (!client.closing) {
          errors++;
          progress.printf("%s: connection closed by the server%n", client.name);
        }
      });
      client.socket.write(client.name + "\n" + client.name + ": ready\n");
    });
  }

  private void registered(Client client) {
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

  private static final byte[] FROM = "from ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR = "error: ".getBytes(StandardCharsets.US_ASCII);

  /**
   * Hands each complete line of {@code chunk} to {@link #receive} where it lies (in one copy of
   * the chunk), joining a line that is cut between two reads.
   */
  private void split(Client me, Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    arrivedAt = micros();
    int start = 0;
    int length = bytes.length;
    if (me.partial != null) {
      int newline = indexOf(bytes, (byte) '\n', 0, length);
      if (newline < 0) {
        me.partial.appendBytes(bytes);
        return;
      }
      me.partial.appendBytes(bytes, 0, newline);
      byte[] line = me.partial.getBytes();
      me.partial = null;
      receive(me, line, 0, line.length);
      start = newline + 1;
    }
    for (int newline; (newline = indexOf(bytes, (byte) '\n', start, length)) >= 0; start = newline + 1) {
      receive(me, bytes, start, newline);
    }
    if (start < length) {
      me.partial = Buffer.buffer(256).appendBytes(bytes, start, length - start);
    }
  }

  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** Parses {@code from PREFIXn: <micros> i=seq i=seq ...} in {@code [begin, length)} of the bytes. */
  private void receive(Client me, byte[] line, int begin, int length) {
    if (!startsWith(line, FROM, begin, length)) {
      if (startsWith(line, ERROR, begin, length)) {
        errors++;
        if (errors <= 10) {
          progress.printf("%s got: %s%n", me.name, new String(line, begin, length - begin, StandardCharsets.UTF_8));
        }
      } else {
        garbled++;
      }
      return;
    }
    int at = begin + FROM.length;
    int from = -1;
    if (startsWith(line, prefix, at, length)) {
      at += prefix.length;
      int start = at;
      from = 0;
      while (at < length && isDigit(line[at])) {
        from = from * 10 + (line[at++] - '0');
      }
      if (at == start || from >= clients.length) {
        from = -1;
      }
    }
    if (from < 0 || at + 2 > length || line[at] != ':' || line[at + 1] != ' ') {
      garbled++;
      return;
    }
    at += 2;
    if (!me.registered) {
      if (from == me.index && startsWith(line, READY, at, length)) {
        registered(me);
      } else {
        garbled++;
      }
      return;
    }
    long sentAt = 0;
    int start = at;
    while (at < length && isDigit(line[at])) {
      sentAt = sentAt * 10 + (line[at++] - '0');
    }
    if (at == start) {
      garbled++;
      return;
    }
    int seq = -1;
    while (at < length && line[at] == ' ') {
      at++;
      int index = 0;
      int digits = at;
      while (at < length && isDigit(line[at])) {
        index = index * 10 + (line[at++] - '0');
      }
      if (at == digits || at >= length || line[at] != '=') {
        break;
      }
      at++;
      int value = 0;
      digits = at;
      while (at < length && isDigit(line[at])) {
        value = value * 10 + (line[at++] - '0');
      }
      if (at == digits) {
        break;
      }
      if (index == me.index) {
        seq = value;
        break;
      }
    }
    if (seq < 0) {
      garbled++;
      return;
    }
    Client sender = clients[from];
    int next = expectedSeq.get(sender.index, me.index);
    if (seq < next) {
      duplicates++;
      return;
    }
    // A gap means lines were lost: counted at the end (expected minus delivered), and given
    // back to the sender's window so a lossy server does not stall the closed loop.
    sender.outstanding -= seq - next;
    expectedSeq.set(sender.index, me.index, seq + 1);
    delivered++;
    if (sentAt >= measureFrom && sentAt < measureUntil) {
      measuredDeliveries++;
      latency.recordValue(Math.max(0, Math.min(arrivedAt - sentAt, latency.getHighestTrackableValue())));
    }
    sender.outstanding--;
    if (sending && closedLoop && !sender.dirty) {
      sender.dirty = true;
      dirty.add(sender);
    }
    if (drained != null && delivered >= expected) {
      drained.complete(null);
    }
  }

  private static final byte[] READY = "ready".getBytes(StandardCharsets.US_ASCII);

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static boolean startsWith(byte[] line, byte[] prefix, int at, int end) {
    if (end < at + prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (line[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Refills the windows once all reads of this turn of the event loop are handled, so that a
   * client whose window opened several times in one turn sends one batch in one write.
   */
  private void schedulePump() {
    if (!pumpScheduled && !dirty.isEmpty()) {
      pumpScheduled = true;
      context.runOnContext(v -> {
        pumpScheduled = false;
        pumpDirty();
      });
    }
  }

  private void pumpDirty() {
    for (Client client : dirty) {
      client.dirty = false;
      pump(client);
    }
    dirty.clear();
  }

  /** Closed loop: keeps {@code window} messages of this client in flight. */
  private void pump(Client client) {
    int k = settings.recipients();
    if (k == 0 || !sending) {
      return;
    }
    StringBuilder batch = null;
    while (client.outstanding + k <= (long) settings.window() * k) {
      if (batch == null) {
        batch = new StringBuilder(128);
      }
      appendMessage(batch, client, micros());
    }
    if (batch != null) {
      client.socket.write(batch.toString());
    }
  }

  private void appendMessage(StringBuilder out, Client from, long sentAt) {
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

  /** Closed loop for warm-up plus duration, then waits for what is in flight. */
  Report throughput() throws Exception {
    long connectMillis = connectAll();
    onLoop(() -> {
      sending = true;
      closedLoop = true;
      long now = micros();
      measureFrom = now + settings.warmup().toNanos() / 1000;
      measureUntil = measureFrom + settings.duration().toNanos() / 1000;
      for (Client client : clients) {
        pump(client);
      }
      return null;
    });
    progress.printf("throughput: %d clients, %d recipients each, window %d, %s warm-up, %s measured%n",
      clients.length, settings.recipients(), settings.window(), settings.warmup(), settings.duration());
    sleepUntilEnd();
    return finish("throughput", connectMillis);
  }

  /** Open loop: messages are due at a fixed rate; latency counts from when each was due. */
  Report latency() throws Exception {
    long connectMillis = connectAll();
    double perMicro = settings.rate() / 1_000_000.0;
    context.runOnContext(v -> {
      sending = true;
      long start = micros();
      measureFrom = start + settings.warmup().toNanos() / 1000;
      measureUntil = measureFrom + settings.duration().toNanos() / 1000;
      long[] scheduled = {0};
      StringBuilder[] batches = new StringBuilder[clients.length];
      vertx.setPeriodic(1, id -> {
        long now = micros();
        if (now >= measureUntil || !sending) {
          sending = false;
          vertx.cancelTimer(id);
          return;
        }
        long due = (long) ((now - start) * perMicro);
        for (; scheduled[0] < due; scheduled[0]++) {
          Client from = clients[(int) (scheduled[0] % clients.length)];
          if (batches[from.index] == null) {
            batches[from.index] = new StringBuilder(128);
          }
          appendMessage(batches[from.index], from, start + (long) (scheduled[0] / perMicro));
        }
        for (int i = 0; i < batches.length; i++) {
          if (batches[i] != null) {
            clients[i].socket.write(batches[i].toString());
            batches[i] = null;
          }
        }
      });
    });
    progress.printf("latency: %d clients, %d recipients each, %.0f messages/s, %s warm-up, %s measured%n",
      clients.length, settings.recipients(), settings.rate(), settings.warmup(), settings.duration());
    sleepUntilEnd();
    return finish("latency", connectMillis);
  }

  /** Logged-in clients that say nothing, held so the server's memory can be read. */
  Report idle() throws Exception {
    long before = Rss.of(settings.serverPid());
    long connectMillis = connectAll();
    long after = Rss.of(settings.serverPid());
    progress.printf("holding %d idle clients for %s%n", clients.length, settings.hold());
    Thread.sleep(settings.hold().toMillis()); // the benchmark's own run time, not synchronisation
    Report report = finish("idle", connectMillis);
    report.rss(before, after);
    return report;
  }

  private void sleepUntilEnd() throws Exception {
    long total = settings.warmup().toMillis() + settings.duration().toMillis();
    long step = Math.max(1000, total / 10);
    for (long waited = 0; waited < total; waited += step) {
      Thread.sleep(Math.min(step, total - waited)); // the benchmark's own run time
      progress.printf("  %d s: %d delivered%n", (waited + Math.min(step, total - waited)) / 1000,
        onLoop(() -> delivered));
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
      if (delivered >= expected) {
        done.complete(null);
      }
    });
    try {
      done.get(settings.drain().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      progress.printf("not everything arrived within %s%n", settings.drain());
    }
    Report result = onLoop(() -> {
      Report r = new Report(mode, settings, sent, expected, delivered, expected - delivered, duplicates, garbled,
        errors + connectFailures, measuredDeliveries, settings.duration(), latency.copy(), connectTimes.copy(), connectMillis);
      for (Client client : clients) {
        client.closing = true;
        if (client.socket != null) {
          client.socket.close();
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

  private static final class Client {
    final int index;
    final String name;
    Buffer partial;
    NetSocket socket;
    long connectStart;
    long outstanding;
    boolean registered;
    boolean dirty;
    boolean closing;

    Client(int index, String name) {
      this.index = index;
      this.name = name;
    }
  }
}
