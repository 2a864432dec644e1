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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code a-chat bench guesses}: wrong passwords for one name from ever new addresses, as a
 * botnet would send them, while the name's owner logs in from an address she used before and
 * two users without passwords chat. With {@code --spray N} the guesses go to NAME0 to
 * NAME(N-1) in turn, a few each, and each login is another owner's, of a name nobody guesses at
 * (NAMEN, NAME(N+1), ...), from a new address, the first time the server sees that name. Each connection names its client in a PROXY protocol
 * header, so the server must take that header from this machine ({@code proxyProtocol}, and
 * loopback among {@code trustedProxies}). Reports the owner's logins, the answers to the
 * guesses, the chat's round trip and the server's CPU.
 */
@Command(name = "guesses", mixinStandardHelpOptions = true,
  description = "Wrong passwords for NAME from ever new addresses (PROXY protocol: the server needs proxyProtocol "
    + "and loopback among trustedProxies), or at N other names in turn (--spray), while NAME's owner logs in and two "
    + "users chat; reports the "
    + "owner's logins, the answers to the guesses, the chat's round trip and the server's CPU.")
public final class Guesses implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "ADDRESS", defaultValue = "localhost:8080", description = "HOST:PORT (default ${DEFAULT-VALUE})")
  String target;

  @Option(names = "--name", description = "the registered name guessed at (default ${DEFAULT-VALUE})")
  String name = "alice";

  @Option(names = "--password", required = true, description = "its right password, for its owner's logins")
  String password;

  @Option(names = "--home", description = "the address its owner logs in from, once before the guesses (default ${DEFAULT-VALUE})")
  String home = "198.51.100.7";

  @Option(names = "--guessers", description = "connections guessing at once, each from a new address every time (default ${DEFAULT-VALUE})")
  int guessers = 64;

  @Option(names = "--logins", description = "the owner's logins from HOME during the guesses (default ${DEFAULT-VALUE})")
  int logins = 5;

  @Option(names = "--duration", description = "seconds of guessing (default ${DEFAULT-VALUE})")
  double duration = 10;

  @Option(names = "--spray", paramLabel = "N", description = "guess at N names in turn, NAME0 to NAME(N-1) "
    + "(registered, for a spray over accounts), instead of at NAME; the logins are then those of the owners of "
    + "NAMEN, NAME(N+1), ..., each from a new address (register them all with PASSWORD)")
  int spray;

  @Option(names = "--server-pid", paramLabel = "PID", description = "server process whose CPU is read from /proc")
  long serverPid;

  private static final int TIMEOUT_MILLIS = 30_000;

  @Override
  public Integer call() throws Exception {
    Address address;
    try {
      address = Address.parse(target);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (address.webSocket() || guessers < 0 || logins < 1 || duration <= 0 || spray < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
        "guesses takes a HOST:PORT, --guessers and --spray of 0 or more, --logins of 1 or more and a positive --duration");
    }
    String first = spray > 0 ? null : attempt(address, home, name + " " + password);
    if (first != null) {
      System.err.println("a-chat bench: " + name + " could not log in from " + home + ": " + first);
      return 1;
    }
    long end = System.nanoTime() + Math.round(duration * 1e9);
    AtomicInteger next = new AtomicInteger();
    Map<String, LongAdder> answers = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < guessers; i++) {
      threads.add(daemon(() -> {
        while (System.nanoTime() < end) {
          int n = next.incrementAndGet();
          String answer;
          try {
            answer = attempt(address, fresh(n), (spray > 0 ? name + n % spray : name) + " guess" + n);
          } catch (IOException e) {
            answer = "failed: " + e.getClass().getSimpleName();
          }
          answers.computeIfAbsent(answer == null ? "logged in (!)" : answer, a -> new LongAdder()).increment();
        }
      }));
    }
    List<Long> roundTrips = Collections.synchronizedList(new ArrayList<>());
    threads.add(daemon(() -> chat(address, end, roundTrips)));
    long cpuBefore = Cpu.of(serverPid);
    long start = System.nanoTime();
    threads.forEach(Thread::start);
    List<String> owner = new ArrayList<>();
    int in = 0;
    long step = (end - start) / (logins + 1);
    for (int i = 1; i <= logins; i++) {
      long due = start + i * step;
      TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime())); // the owner's pace
      long t = System.nanoTime();
      String who = spray > 0 ? name + (spray + i - 1) : name;
      String answer = attempt(address, spray > 0 ? away(i) : home, who + " " + password);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
      owner.add(answer == null ? millis + " ms" : answer + " (" + millis + " ms)");
      in += answer == null ? 1 : 0;
    }
    for (Thread thread : threads) {
      thread.join(TIMEOUT_MILLIS + 1000L);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long cpuAfter = Cpu.of(serverPid);
    long total = answers.values().stream().mapToLong(LongAdder::sum).sum();
    StringBuilder report = new StringBuilder();
    report.append(String.format(Locale.ROOT, "guesses against %s: %d at once at %s, each from a new address, %.1f s%n",
      address, guessers, spray > 0 ? spray + " names in turn (" + name + "0 to " + name + (spray - 1) + ")"
        : "'" + name + "'", seconds));
    report.append(String.format(Locale.ROOT, spray > 0 ? "  owners of names nobody guesses at, each new here, from new places:%n"
      + "                       %2$d of %3$d logged in: %4$s%n" : "  owner from %-10s %d of %d logged in: %s%n",
      home, in, logins, String.join(", ", owner)));
    report.append(String.format(Locale.ROOT, "  guesses              %d (%.0f/s)%n", total, total / seconds));
    new TreeMap<>(answers).forEach((answer, count) ->
      report.append(String.format(Locale.ROOT, "    %8d  %s%n", count.sum(), answer)));
    List<Long> sorted = new ArrayList<>(roundTrips);
    Collections.sort(sorted);
    if (!sorted.isEmpty()) {
      report.append(String.format(Locale.ROOT, "  chat round trip      p50 %.2f ms   p99 %.2f ms   (%d)%n",
        sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6, sorted.size()));
    }
    if (cpuBefore >= 0 && cpuAfter >= 0) {
      report.append(String.format(Locale.ROOT, "  server CPU           %.0f %% of a core%n",
        (cpuAfter - cpuBefore) / 1e9 / seconds * 100));
    }
    System.out.print(report);
    return in == logins ? 0 : 1;
  }

  private static Thread daemon(Runnable task) {
    Thread thread = new Thread(task, "guesses");
    thread.setDaemon(true);
    return thread;
  }

  /** The n-th of ever new addresses: 10.0.0.1, 10.0.0.2, ... */
  public static String fresh(int n) {
    return "10." + (n >> 16 & 0xff) + "." + (n >> 8 & 0xff) + "." + (n & 0xff);
  }

  /** The owner's i-th new place during a spray: 172.16.0.1, 172.16.0.2, ... (none of the guesses'). */
  private static String away(int i) {
    return "172.16." + (i >> 8 & 0xff) + "." + (i & 0xff);
  }

  private static Socket connect(Address address, String client) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(address.host(), address.port()), TIMEOUT_MILLIS);
    socket.setSoTimeout(TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    socket.getOutputStream().write(("PROXY TCP4 " + client + " 127.0.0.1 40000 " + address.port() + "\r\n")
      .getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  /** A login from {@code client} as {@code line}: null when accepted, else the server's answer. */
  public static String attempt(Address address, String client, String line) throws IOException {
    String login = line.split(" ", 2)[0];
    try (Socket socket = connect(address, client)) {
      socket.getOutputStream().write((line + "\n" + login + ": mine?\n").getBytes(StandardCharsets.UTF_8));
      String answer = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
        .readLine();
      return ("from " + login + ": mine?").equals(answer) ? null : String.valueOf(answer);
    }
  }

  /** Two users without passwords: one line from one to the other every 10 ms, timed there and back. */
  private static void chat(Address address, long end, List<Long> roundTrips) {
    try (Socket a = connect(address, "192.0.2.1"); Socket b = connect(address, "192.0.2.2")) {
      String suffix = Long.toString(System.nanoTime() % 100_000);
      String pa = "chat-a" + suffix;
      String pb = "chat-b" + suffix;
      OutputStream outA = a.getOutputStream();
      BufferedReader inA = new BufferedReader(new InputStreamReader(a.getInputStream(), StandardCharsets.UTF_8));
      BufferedReader inB = new BufferedReader(new InputStreamReader(b.getInputStream(), StandardCharsets.UTF_8));
      b.getOutputStream().write((pb + "\n" + pb + ": ready\n").getBytes(StandardCharsets.UTF_8));
      inB.readLine(); // b is logged in once its own line came back
      outA.write((pa + "\n" + pa + ": ready\n").getBytes(StandardCharsets.UTF_8));
      inA.readLine();
      while (System.nanoTime() < end) {
        long t = System.nanoTime();
        outA.write((pb + ": ping\n").getBytes(StandardCharsets.UTF_8));
        if (inB.readLine() == null) {
          return;
        }
        roundTrips.add(System.nanoTime() - t);
        TimeUnit.MILLISECONDS.sleep(10); // the chat's pace
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("a-chat bench: the chat between two users failed: " + e);
    }
  }
}
