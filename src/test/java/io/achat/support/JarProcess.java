package io.achat.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar target/a-chat.jar ...} in a child JVM, its output read line by line. */
public final class JarProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("a-chat listening on ([^ ]+):(\\d+)");

  private final Process process;
  private final List<String> output = new ArrayList<>();
  private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();

  private JarProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::pump, "a-chat-child-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("achat.jar", "target/a-chat.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: integration tests run after 'mvn package'");
    }
    return jar;
  }

  /** Starts the jar with {@code args}, extra environment {@code env}, standard error merged into output. */
  public static JarProcess start(Map<String, String> env, List<String> jvmOptions, String... args) {
    return start(0, env, jvmOptions, args);
  }

  /** Like {@link #start(Map, List, String...)}, under {@code ulimit -n openFiles} when that is above 0. */
  public static JarProcess start(int openFiles, Map<String, String> env, List<String> jvmOptions, String... args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    if (openFiles > 0) {
      command.addAll(List.of("bash", "-c", "ulimit -n " + openFiles + " && exec \"$@\"", "bash"));
    }
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    // Many servers at once: each management server on a port of its own, unless a test says otherwise.
    Map<String, String> environment = new HashMap<>(Map.of("ACHAT_MANAGEMENT_PORT", "-1", "ACHAT_WEB_PORT", "-1"));
    environment.putAll(env);
    return launch(command, environment);
  }

  /** {@code java} with {@code arguments} (a class path and a main class, say), output read as for the jar. */
  public static JarProcess java(List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(arguments);
    return launch(command, Map.of());
  }

  private static JarProcess launch(List<String> command, Map<String, String> env) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("ACHAT_"));
    builder.environment().putAll(env);
    try {
      return new JarProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server on 127.0.0.1 and an OS-chosen port, waiting until it listens. */
  public static JarProcess server() throws InterruptedException {
    return server("");
  }

  /** Like {@link #server()}, with more {@code -conf} keys: {@code "\"key\":value, ..."}. */
  public static JarProcess server(String moreConf) throws InterruptedException {
    String conf = "{\"host\":\"127.0.0.1\",\"port\":0" + (moreConf.isEmpty() ? "" : "," + moreConf) + "}";
    JarProcess server = start(Map.of(), List.of("-Xmx256m"), "-conf", conf);
    server.port();
    return server;
  }

  private void pump() {
    try (BufferedReader reader = new BufferedReader(
      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        synchronized (output) {
          output.add(line);
        }
        unread.add(line);
      }
    } catch (IOException e) {
      // the child is gone
    }
  }

  /** Waits for an output line matching {@code pattern}; fails after {@code seconds}. */
  public Matcher await(Pattern pattern, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      boolean ended = !process.isAlive();
      String line = unread.poll(Math.max(0, Math.min(200_000_000L, deadline - System.nanoTime())), TimeUnit.NANOSECONDS);
      if (line == null && ended) {
        throw new AssertionError("no output matching " + pattern + ": the process ended with status "
          + process.exitValue() + "; output: " + output());
      }
      if (line == null && System.nanoTime() - deadline >= 0) {
        throw new AssertionError("no output matching " + pattern + " within " + seconds + " s; output: " + output());
      }
      if (line == null) {
        continue;
      }
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m;
      }
    }
  }

  private int port = -1;

  /** The port from the server's "a-chat listening on HOST:PORT" line. */
  public int port() throws InterruptedException {
    if (port < 0) {
      port = Integer.parseInt(await(LISTENING, 60).group(2));
    }
    return port;
  }

  /** {@code http(s)://host:port/} of the web page, from the server's start line (started with a web port). */
  public String webUrl() throws InterruptedException {
    port();
    Pattern page = Pattern.compile("web page at (https?://[^ ]+/)");
    return output().stream().map(page::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst()
      .orElseThrow(() -> new AssertionError("no web page in the start line: " + output()));
  }

  /** {@code http://host:port} of the management server, from its start line (started with a management port). */
  public String managementUrl() throws InterruptedException {
    Pattern started = Pattern.compile("management \\(metrics, health\\) on (https?://[^ ]+)");
    return output().stream().map(started::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst()
      .orElseGet(() -> {
        try {
          return await(started, 60).group(1);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      });
  }

  /** GET {@code path} from the management server: the body, whatever the status. */
  public String management(String path) throws IOException, InterruptedException {
    java.net.HttpURLConnection http = (java.net.HttpURLConnection) java.net.URI.create(managementUrl() + path).toURL()
      .openConnection();
    http.setConnectTimeout(10_000);
    http.setReadTimeout(10_000);
    try (java.io.InputStream in = http.getResponseCode() < 400 ? http.getInputStream() : http.getErrorStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  public List<String> output() {
    synchronized (output) {
      return new ArrayList<>(output);
    }
  }

  public OutputStream stdin() {
    return process.getOutputStream();
  }

  public long pid() {
    return process.pid();
  }

  public void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " failed");
    }
  }

  /**
   * Stops the process ({@code SIGSTOP}) for {@code millis}, as a long collection, a throttled
   * container or a migrated VM would, then continues it.
   */
  public void freeze(long millis) throws IOException, InterruptedException {
    freeze(millis, () -> { });
  }

  /** Like {@link #freeze(long)}, and runs {@code whileStopped} once the process is stopped. */
  public void freeze(long millis, Runnable whileStopped) throws IOException, InterruptedException {
    signal("STOP");
    try {
      whileStopped.run();
      // Stopped, it cannot exit: this only lets the time pass.
      if (process.waitFor(millis, TimeUnit.MILLISECONDS)) {
        throw new AssertionError("a stopped process ended; output: " + output());
      }
    } finally {
      signal("CONT");
    }
  }

  /** Whether the process exits within {@code seconds} (a bounded wait that expects either). */
  public boolean exitsWithin(int seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** Waits for the exit status; fails if the process is still running after {@code seconds}. */
  public int exitStatus(int seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("still running after " + seconds + " s; output: " + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
