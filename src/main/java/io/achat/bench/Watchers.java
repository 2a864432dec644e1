package io.achat.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code a-chat bench presence}: many users watch one name ({@code /watch star}) while that name
 * logs in and out again and again, and two other users chat. Reports how long each coming and
 * going took to reach every watcher (one fan-out), the lines each watcher got (a name that
 * flaps cannot make the server send its watchers more than its changes), the chat's round trip
 * meanwhile, and how long {@code /who} takes with all of them online. The watchers are spread
 * over the addresses given, round robin (the nodes of a cluster), one selector thread for all.
 */
@Command(name = "presence", mixinStandardHelpOptions = true,
  description = "WATCHERS users watch one name (/watch star) that logs in and out FLAPS times, first one change at a "
    + "time, then as fast as it can, while two users chat; reports the fan-out times, the presence lines per watcher, "
    + "the chat's round trip and /who's.")
public final class Watchers implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "ADDRESS", arity = "1..*", description = "HOST:PORT of each node; watchers go round robin")
  List<String> targets;

  @Option(names = "--watchers", description = "users watching the name (default ${DEFAULT-VALUE})")
  int watchers = 10_000;

  @Option(names = "--flaps", description = "logins and logouts of the name, each waited for by every watcher, then as many in a burst (default ${DEFAULT-VALUE})")
  int flaps = 20;

  @Option(names = "--who", description = "/who asked this many times, all users online (default ${DEFAULT-VALUE})")
  int whos = 50;

  @Option(names = "--prefix", description = "login prefix of the watchers (default ${DEFAULT-VALUE})")
  String prefix = "w";

  private static final String STAR = "star";
  private static final int TIMEOUT_MILLIS = 60_000;

  /** Counted by the selector thread, read by this one. */
  private final AtomicLong online = new AtomicLong();
  private final AtomicLong offline = new AtomicLong();

  @Override
  public Integer call() throws Exception {
    List<Address> addresses = new ArrayList<>();
    try {
      for (String target : targets) {
        Address address = Address.parse(target);
        if (address.webSocket()) {
          throw new IllegalArgumentException("presence takes HOST:PORT addresses: " + target);
        }
        addresses.add(address);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (watchers < 1 || flaps < 1 || whos < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--watchers, --flaps and --who must be positive");
    }
    AtomicBoolean stop = new AtomicBoolean();
    try (Selector selector = Selector.open()) {
      long start = System.nanoTime();
      for (int i = 0; i < watchers; i++) {
        Address address = addresses.get(i % addresses.size());
        SocketChannel channel = SocketChannel.open(new InetSocketAddress(address.host(), address.port()));
        channel.configureBlocking(false);
        channel.write(ByteBuffer.wrap((prefix + i + "\n/watch " + STAR + "\n").getBytes(StandardCharsets.UTF_8)));
        channel.register(selector, SelectionKey.OP_READ, new StringBuilder());
      }
      Thread reader = new Thread(() -> read(selector, stop), "presence-watchers");
      reader.setDaemon(true);
      reader.start();
      await(offline, watchers, "every watcher told '" + STAR + "' is offline");
      System.out.printf(Locale.ROOT, "%d watchers logged in and watching '%s' in %.1f s%n", watchers, STAR,
        (System.nanoTime() - start) / 1e9);

      Address first = addresses.get(0);
      Chat chat = new Chat(first);
      Thread chatting = new Thread(chat, "presence-chat");
      chatting.setDaemon(true);
      chatting.start();
      chat.awaitRounds(200);
      List<Long> quiet = chat.take();

      List<Long> fanOuts = new ArrayList<>();
      for (int flap = 1; flap <= flaps; flap++) {
        Address at = addresses.get(flap % addresses.size());
        long before = System.nanoTime();
        Socket star = login(at, STAR);
        await(online, (long) watchers * flap, "every watcher told '" + STAR + "' is online (flap " + flap + ")");
        fanOuts.add(System.nanoTime() - before);
        star.close();
        before = System.nanoTime();
        await(offline, (long) watchers * (flap + 1), "every watcher told '" + STAR + "' is offline (flap " + flap + ")");
        fanOuts.add(System.nanoTime() - before);
      }
      List<Long> duringFanOuts = chat.take();

      long linesBefore = online.get() + offline.get();
      long burstStart = System.nanoTime();
      for (int flap = 0; flap < flaps; flap++) {
        login(addresses.get(flap % addresses.size()), STAR).close();
      }
      long burstNanos = System.nanoTime() - burstStart;
      // The last state, offline, reaches every watcher: one more line each after the burst at most.
      awaitLast(linesBefore);
      long burstLines = online.get() + offline.get() - linesBefore;

      List<Long> who = new ArrayList<>();
      String answer = "";
      try (Socket asker = login(first, "asker")) {
        BufferedReader in = reader(asker);
        OutputStream out = asker.getOutputStream();
        for (int i = 0; i < whos; i++) {
          long t = System.nanoTime();
          out.write("/who\n".getBytes(StandardCharsets.UTF_8));
          answer = in.readLine();
          who.add(System.nanoTime() - t);
        }
      }
      stop.set(true);
      chat.stop();

      System.out.printf(Locale.ROOT, "fan-out of one change to %d watchers (login accepted or socket closed until the"
        + " last watcher read it), ms: %s%n", watchers, millis(fanOuts));
      System.out.printf(Locale.ROOT, "the chat's round trip, ms: quiet %s; during the fan-outs %s%n", millis(quiet),
        millis(duringFanOuts));
      System.out.printf(Locale.ROOT, "%d logins and logouts of '%s' in a burst (%.2f s): %.2f presence lines per watcher"
        + " (at most %d, one per change)%n", flaps, STAR, burstNanos / 1e9, (double) burstLines / watchers, 2 * flaps);
      System.out.printf(Locale.ROOT, "/who with %d users online, ms: %s; %d characters: %s%n", online(answer),
        millis(who), answer.length(), answer.length() > 60 ? "..." + answer.substring(answer.length() - 30) : answer);
      return 0;
    }
  }

  /** How many users {@code /who} answered are online: the names it gives and the {@code (and N more)}. */
  private static long online(String answer) {
    int more = answer.lastIndexOf(" (and ");
    String names = more < 0 ? answer : answer.substring(0, more);
    long count = names.length() > "online: ".length() ? names.split(", ").length : 0;
    return more < 0 ? count : count + Long.parseLong(answer.substring(more + 6, answer.indexOf(' ', more + 6)));
  }

  /** {@code nanos} as milliseconds: min / median / 99th percentile / max, and how many. */
  private static String millis(List<Long> nanos) {
    if (nanos.isEmpty()) {
      return "none";
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int n = sorted.size();
    return String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.2f (min / median / p99 / max of %d)", sorted.get(0) / 1e6,
      sorted.get(n / 2) / 1e6, sorted.get(Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)) / 1e6, sorted.get(n - 1) / 1e6, n);
  }

  /** The watchers' lines, counted: one selector thread for all of them. */
  private void read(Selector selector, AtomicBoolean stop) {
    ByteBuffer buffer = ByteBuffer.allocate(65_536);
    try {
      while (!stop.get()) {
        selector.select(200);
        for (SelectionKey key : selector.selectedKeys()) {
          SocketChannel channel = (SocketChannel) key.channel();
          StringBuilder partial = (StringBuilder) key.attachment();
          buffer.clear();
          int n = channel.read(buffer);
          if (n < 0) {
            key.cancel();
            continue;
          }
          partial.append(StandardCharsets.UTF_8.decode(buffer.flip()));
          int end;
          while ((end = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, end);
            partial.delete(0, end + 1);
            if (line.equals("online: " + STAR)) {
              online.incrementAndGet();
            } else if (line.equals("offline: " + STAR)) {
              offline.incrementAndGet();
            }
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (ClosedSelectorException e) {
      // the run is over
    } catch (IOException e) {
      System.err.println("a-chat bench: a watcher failed: " + e);
    }
  }

  private static void await(AtomicLong count, long target, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    while (count.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not " + what + " within " + TIMEOUT_MILLIS / 1000 + " s: " + count.get()
          + " of " + target);
      }
      TimeUnit.MILLISECONDS.sleep(1); // the pace of looking at a counter another thread moves
    }
  }

  /** Waits until the watchers' line count has not moved for a second after the burst. */
  private void awaitLast(long linesBefore) throws InterruptedException {
    long last = -1;
    long still = System.nanoTime();
    long deadline = still + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    while (System.nanoTime() < deadline) {
      long now = online.get() + offline.get();
      if (now != last) {
        last = now;
        still = System.nanoTime();
      } else if (now > linesBefore && offline.get() >= online.get() + watchers
        && System.nanoTime() - still > TimeUnit.SECONDS.toNanos(1)) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(10); // the pace of looking at a counter another thread moves
    }
    throw new IllegalStateException("the watchers were not all told '" + STAR + "' is offline after the burst");
  }

  /** Logs {@code name} in on {@code address} as soon as the connection that had it has left. */
  private static Socket login(Address address, String name) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    while (System.nanoTime() < deadline) {
      Socket socket = LoginTries.login(address.host(), address.port(), name, deadline);
      if (socket != null) {
        return socket;
      }
      // taken: the connection before has not left yet; each refusal is a round trip
    }
    throw new IOException("'" + name + "' could not log in on " + address.host() + ":" + address.port());
  }

  private static BufferedReader reader(Socket socket) throws IOException {
    return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1);
  }

  /** Two users exchanging a line, again and again, each round trip timed. */
  private static final class Chat implements Runnable {

    private final Address address;
    private final List<Long> rounds = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;

    Chat(Address address) {
      this.address = address;
    }

    @Override
    public void run() {
      try (Socket a = login(address, "chat-a"); Socket b = login(address, "chat-b")) {
        BufferedReader bIn = reader(b);
        OutputStream aOut = a.getOutputStream();
        for (long i = 0; running; i++) {
          long t = System.nanoTime();
          aOut.write(("chat-b: round " + i + "\n").getBytes(StandardCharsets.UTF_8));
          while (!("from chat-a: round " + i).equals(bIn.readLine())) {
            // only its own lines come to chat-b
          }
          rounds.add(System.nanoTime() - t);
          TimeUnit.MILLISECONDS.sleep(2); // a user's pace, not a wait for anything
        }
      } catch (IOException | InterruptedException e) {
        if (running) {
          System.err.println("a-chat bench: the chat failed: " + e);
        }
      }
    }

    void awaitRounds(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
      while (rounds.size() < n && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(10); // the pace of looking at a list another thread fills
      }
    }

    /** The round trips since the last call. */
    List<Long> take() {
      synchronized (rounds) {
        List<Long> taken = new ArrayList<>(rounds);
        rounds.clear();
        return taken;
      }
    }

    void stop() {
      running = false;
    }
  }
}
