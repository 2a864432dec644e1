package io.achat.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The rate sweep of docs/performance.md: each server named on the command line, freshly started
 * on 127.0.0.1:18600 for every run and alternating with the others, loaded by the bundled bench
 * with 1000 clients × 3 recipients at each rate and saturated (a window of 16), its CPU read
 * from {@code /proc}. Every report goes to a JSON file, from which {@link SweepChart} draws the
 * chart. Not a test: run it by hand on a quiet machine.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.achat.perf.Sweep \
 *   -Dexec.args="--rounds 2 --side 'a-chat=java -jar target/a-chat.jar' --side 'ideal=path/to/ideal 127.0.0.1:18600' \
 *   --side 'book=path/to/book 127.0.0.1:18600' --out docs/perf/sweep.json"
 * </pre>
 */
public final class Sweep {

  static final String SATURATED = "saturated";
  private static final int PORT = 18600;

  private Sweep() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> sides = new LinkedHashMap<>();
    List<String> rates = new ArrayList<>(List.of("500", "5000", "50000", SATURATED));
    int rounds = 2;
    int warmup = 10;
    int duration = 10;
    String jar = "target/a-chat.jar";
    Path out = Path.of("docs/perf/sweep.json");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--side" -> {
          String[] side = args[++i].split("=", 2);
          sides.put(side[0], side[1]);
        }
        case "--rates" -> rates = List.of(args[++i].split(","));
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--duration" -> duration = Integer.parseInt(args[++i]);
        case "--bench-jar" -> jar = args[++i];
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (sides.isEmpty()) {
      throw new IllegalArgumentException("no --side NAME=COMMAND given");
    }
    JsonArray runs = new JsonArray();
    for (int round = 1; round <= rounds; round++) {
      for (String rate : rates) {
        for (Map.Entry<String, String> side : sides.entrySet()) {
          JsonObject report = run(side.getValue(), jar, rate, warmup, duration);
          runs.add(new JsonObject().put("side", side.getKey()).put("rate", rate).put("round", round)
            .put("report", report));
          JsonObject cpu = report.getJsonObject("serverCpu", new JsonObject());
          System.out.printf("round %d, %s msg/s, %s: %d deliveries/s, %.2f µs per delivery, p99 %d µs, p99.9 %d µs%n",
            round, rate, side.getKey(), report.getLong("deliveriesPerSecond"), cpu.getDouble("perDeliveryMicros", -1.0),
            report.getJsonObject("latencyMicros").getLong("p99"), report.getJsonObject("latencyMicros").getLong("p999"));
        }
      }
    }
    JsonObject result = new JsonObject()
      .put("clients", 1000).put("recipients", 3).put("warmupSeconds", warmup).put("measuredSeconds", duration)
      .put("machine", machine()).put("sides", new JsonObject(new LinkedHashMap<>(sides))).put("runs", runs);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, result.encodePrettily() + "\n");
    System.out.println("wrote " + out);
  }

  /** One run: the server started afresh, loaded, stopped. */
  private static JsonObject run(String command, String jar, String rate, int warmup, int duration) throws Exception {
    Process server = new ProcessBuilder("bash", "-c", "exec " + command).redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      awaitListening(server);
      List<String> bench = new ArrayList<>(List.of("java", "-jar", jar, "bench"));
      if (rate.equals(SATURATED)) {
        bench.addAll(List.of("throughput", "--window", "16"));
      } else {
        bench.addAll(List.of("latency", "--rate", rate));
      }
      bench.addAll(List.of("--clients", "1000", "--recipients", "3", "--warmup", Integer.toString(warmup),
        "--duration", Integer.toString(duration), "--server-pid", Long.toString(server.pid()), "--json",
        "127.0.0.1:" + PORT));
      Process load = new ProcessBuilder(bench).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String json = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!load.waitFor(warmup + duration + 120, TimeUnit.SECONDS)) {
        load.destroyForcibly();
        throw new IllegalStateException("the bench did not end");
      }
      return new JsonObject(json.substring(json.indexOf('{')));
    } finally {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor();
      }
      awaitFree();
    }
  }

  private static void awaitListening(Process server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!listening()) {
      if (!server.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the server did not listen on " + PORT);
      }
      TimeUnit.MILLISECONDS.sleep(100); // polling a port, bounded by the deadline
    }
  }

  private static void awaitFree() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (listening() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100); // polling a port, bounded by the deadline
    }
  }

  private static boolean listening() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", PORT), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String machine() throws IOException {
    String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
      .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    return Runtime.getRuntime().availableProcessors() + " cores, " + cpu + ", " + System.getProperty("os.name")
      + " " + System.getProperty("os.version");
  }
}
