package io.achat;

import io.achat.support.Background;
import io.achat.support.Flood;
import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import io.achat.support.Prometheus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real jar, on a small heap, against many clients that log in and never read: one budget
 * for all of them keeps it serving; with the budget lifted, the exhausted heap ends the process.
 */
class ResilienceIT {

  /** 16 client addresses on loopback with 25 non-readers each, under maxConnectionsPerAddress (32). */
  private static final int ADDRESSES = 16;
  private static final int PER_ADDRESS = 25;
  private static final int GROUP = 40;

  @Test
  void hundredsOfNonReadersFromManyAddressesCannotExhaustASmallHeap() throws Exception {
    // A stall timeout longer than the attack: the budget, not the kernel's timeout, must hold them.
    try (JarProcess server = JarProcess.start(Map.of(), List.of("-Xmx96m"), "-conf",
      "{\"host\":\"127.0.0.1\",\"port\":0,\"exemptAddresses\":\"\",\"stallTimeoutMillis\":60000}")) {
      int port = server.port();
      Matcher budget = server.output().stream().map(Pattern.compile("maxClientMemory=(\\d+)")::matcher)
        .filter(Matcher::find).findFirst().orElseThrow();
      assertThat(Long.parseLong(budget.group(1))).as("a quarter of the heap").isBetween(20L << 20, 25L << 20);
      List<LineClient> deaf = new ArrayList<>();
      List<LineClient> senders = new ArrayList<>();
      try {
        for (int a = 0; a < ADDRESSES; a++) {
          for (int i = 0; i < PER_ADDRESS; i++) {
            deaf.add(LineClient.loginFrom("127.0.1." + (a + 1), "127.0.0.1", port, "deaf" + (a * PER_ADDRESS + i), 4096));
          }
        }
        LineClient alice = LineClient.loginFrom("127.0.2.1", "127.0.0.1", port, "alice", 0);
        LineClient bob = LineClient.loginFrom("127.0.2.2", "127.0.0.1", port, "bob", 0);
        senders.add(alice);
        senders.add(bob);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<CompletableFuture<Long>> floods = new ArrayList<>();
        List<CompletableFuture<Long>> sendersRead = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
          LineClient sender = LineClient.loginFrom("127.0.3." + (s + 1), "127.0.0.1", port, "sender" + s, 0);
          senders.add(sender);
          // Each line to 40 of them, every group in turn: 7000 bytes for each of 400 non-readers.
          String text = "x".repeat(7000);
          String unit = IntStream.range(0, deaf.size() / GROUP).mapToObj(g -> IntStream.range(0, GROUP)
              .mapToObj(i -> "deaf" + (g * GROUP + i)).collect(Collectors.joining(",")) + ": " + text + "\n")
            .collect(Collectors.joining());
          floods.add(Flood.send(sender, unit.getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE, deadline));
          sendersRead.add(Background.supply(sender::discardUntilClosed));
        }
        // An honest pair chats all along.
        int rounds = 0;
        while (System.nanoTime() < deadline) {
          alice.send("bob: round " + rounds);
          assertThat(bob.readLine()).as("bob, round %d; the server on them: %s", rounds, about(server, "(alice)", "(bob)", "cannot go on", "Exception", "Error"))
            .isEqualTo("from alice: round " + rounds);
          bob.send("alice: back " + rounds);
          assertThat(alice.readLine()).as("alice, round %d; the server on them: %s", rounds, about(server, "(alice)", "(bob)", "cannot go on", "Exception", "Error"))
            .isEqualTo("from bob: back " + rounds);
          rounds++;
        }
        long sent = 0;
        for (CompletableFuture<Long> flood : floods) {
          sent += flood.get(60, TimeUnit.SECONDS);
        }
        String metrics = server.management("/metrics");
        double evicted = Prometheus.sample(metrics, "achat_clients_evicted_total\\{reason=\"memory\"}");
        System.out.printf("%d exchanges of the honest pair while 4 senders sent %d MiB to %d non-readers;"
          + " %.0f cut off for the budget, %.0f for maxQueuedBytes%n", rounds, sent >> 20, deaf.size(), evicted,
          Prometheus.sample(metrics, "achat_clients_evicted_total\\{reason=\"queue\"}"));
        assertThat(rounds).isPositive();
        assertThat(evicted).as("clients cut off for the budget").isPositive();
        assertThat(Prometheus.sample(metrics, "achat_client_memory_bytes")).isLessThanOrEqualTo(Long.parseLong(budget.group(1)));
        assertThat(server.management("/ready")).contains("\"status\":\"READY\"");
        senders.forEach(LineClient::close);
        for (CompletableFuture<Long> reading : sendersRead) {
          reading.get(60, TimeUnit.SECONDS);
        }
      } finally {
        senders.forEach(LineClient::close);
        deaf.forEach(LineClient::close);
      }
      assertThat(server.output()).noneMatch(line -> line.contains("OutOfMemoryError"));
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  /** What the server logged that mentions any of {@code words}. */
  private static List<String> about(JarProcess server, String... words) {
    return server.output().stream().filter(line -> java.util.Arrays.stream(words).anyMatch(line::contains)).toList();
  }

  @Test
  void withTheBudgetLiftedAnExhaustedHeapEndsTheProcessWithANonZeroStatus() throws Exception {
    try (JarProcess server = JarProcess.start(Map.of(), List.of("-Xmx64m"), "-conf",
      // The budget lifted, and non-readers let be (else the stall timeout lets them go first).
      "{\"host\":\"127.0.0.1\",\"port\":0,\"maxClientMemory\":8000000000,\"maxQueuedBytes\":1000000000,"
        + "\"stallTimeoutMillis\":600000}")) {
      int port = server.port();
      List<LineClient> deaf = new ArrayList<>();
      List<LineClient> senders = new ArrayList<>();
      try {
        for (int i = 0; i < 100; i++) {
          deaf.add(LineClient.login("127.0.0.1", port, "deaf" + i, 4096));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String to = IntStream.range(0, 100).mapToObj(i -> "deaf" + i).collect(Collectors.joining(","));
        byte[] line = (to + ": " + "o".repeat(7000) + "\n").getBytes(StandardCharsets.US_ASCII);
        for (int s = 0; s < 2; s++) {
          LineClient sender = LineClient.login("127.0.0.1", port, "sender" + s);
          senders.add(sender);
          Flood.send(sender, line, Long.MAX_VALUE, deadline);
        }
        assertThat(server.exitStatus(90)).as("exit status").isEqualTo(3);
      } finally {
        senders.forEach(LineClient::close);
        deaf.forEach(LineClient::close);
      }
      // Said where a-chat caught the error, or by the watchdog: a loop's thread ended by the error
      // inside Netty, or a heap that stays full (Netty drops some of these errors unseen).
      assertThat(server.output()).anyMatch(l -> l.contains("a-chat cannot go on") && (l.contains("OutOfMemoryError")
        || l.contains("has ended: an error of the JVM") || l.contains("the heap is exhausted")));
    }
  }
}
