package io.achat.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of {@code bench failover}: {@code java -jar a-chat.jar -cluster} in a process of its
 * own, configured by the {@code ACHAT_*} variables as an operator would, its output copied to a
 * log file and kept with the moment (System.nanoTime) each line was read.
 */
final class FailoverNode implements AutoCloseable {

  static final Pattern LISTENING = Pattern.compile("a-chat listening on ([^ ]+):(\\d+)");

  /** A line of the node's output and when it was read. */
  record Line(long nanos, String text) {
  }

  private final String name;
  private final Process process;
  private final List<Line> lines = new ArrayList<>();
  private final Thread pump;

  private FailoverNode(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.pump = new Thread(() -> pump(log), "failover-" + name + "-output");
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * Starts {@code java [jvmOptions] -jar jar -cluster} with the variables {@code env} (and no
   * other {@code ACHAT_*} variable of this process), its output and errors into {@code log}.
   */
  static FailoverNode start(String name, String java, Path jar, List<String> jvmOptions, Map<String, String> env,
                            Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString(), "-cluster"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(variable -> variable.startsWith("ACHAT_"));
    builder.environment().putAll(env);
    return new FailoverNode(name, builder.start(), log);
  }

  private void pump(Path log) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        long now = System.nanoTime();
        synchronized (lines) {
          lines.add(new Line(now, line));
          lines.notifyAll();
        }
        out.write(line);
        out.newLine();
        out.flush();
      }
    } catch (IOException e) {
      // the node is gone, or its log cannot be written: what was read is kept
    } finally {
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  /**
   * Waits for a line matching {@code pattern} read at or after {@code since} (System.nanoTime),
   * until {@code deadline}: its match.
   *
   * @throws IOException when the node ended or the deadline passed first
   */
  Matcher await(Pattern pattern, long since, long deadline) throws IOException, InterruptedException {
    int next = 0;
    synchronized (lines) {
      while (true) {
        for (; next < lines.size(); next++) {
          Line line = lines.get(next);
          Matcher m = pattern.matcher(line.text());
          if (line.nanos() - since >= 0 && m.find()) {
            return m;
          }
        }
        if (!process.isAlive() && !pump.isAlive()) {
          throw new IOException(name + " ended (status " + process.exitValue() + ") before logging '"
            + pattern.pattern() + "'");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IOException(name + " did not log '" + pattern.pattern() + "' in time");
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /** When the first line matching {@code pattern} at or after {@code since} was read, if one was. */
  OptionalLong first(Pattern pattern, long since) {
    synchronized (lines) {
      for (Line line : lines) {
        if (line.nanos() - since >= 0 && pattern.matcher(line.text()).find()) {
          return OptionalLong.of(line.nanos());
        }
      }
    }
    return OptionalLong.empty();
  }

  /** When the last line matching {@code pattern} before {@code until} was read, if one was. */
  OptionalLong last(Pattern pattern, long until) {
    OptionalLong last = OptionalLong.empty();
    synchronized (lines) {
      for (Line line : lines) {
        if (line.nanos() - until < 0 && pattern.matcher(line.text()).find()) {
          last = OptionalLong.of(line.nanos());
        }
      }
    }
    return last;
  }

  /** The chat port from the node's {@code a-chat listening on HOST:PORT} line, waiting for it until {@code deadline}. */
  int chatPort(long deadline) throws IOException, InterruptedException {
    return Integer.parseInt(await(LISTENING, Long.MIN_VALUE / 2, deadline).group(2));
  }

  /** Sends {@code signal} (KILL, STOP, CONT) to the node with {@code kill}; returns once {@code kill} has. */
  void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true)
      .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      kill.destroyForcibly();
      throw new IOException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** Kills the node (SIGKILL ends a stopped process too) and waits a while for it to end. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        System.err.println("a-chat bench: " + name + " (pid " + process.pid() + ") did not end within 10 s of SIGKILL");
      }
      pump.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A line for the bench's own record of a run, stamped with the wall clock the nodes' logs use too. */
  static String stamped(String text) {
    return Instant.now() + " " + text;
  }

  /** The java command running this. */
  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** The jar this class was loaded from. */
  static Path runningJar() {
    try {
      return Path.of(FailoverNode.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      throw new IllegalArgumentException("cannot tell which jar this is: give it with --jar");
    }
  }

  /** A port free on 127.0.0.1 a moment ago, for a node's Hazelcast member. */
  static int freePort() throws IOException {
    // Below Linux's ephemeral range (32768 and up), so that no connection a node opens takes it
    // before the node listens on it.
    for (int i = 0; i < 200; i++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port between 20000 and 32000 on 127.0.0.1");
  }
}
