package io.achat;

import io.achat.support.Background;
import io.achat.support.Flood;
import io.achat.bench.Rss;
import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The real jar against hostile and overloaded clients (the README's "Limits"). */
class OverloadIT {

  /** The bound on the server's resident memory stated in the README, for -Xmx256m. */
  static final long RSS_BOUND_BYTES = 512L << 20;

  @Test
  void runningOutOfFileDescriptorsIsLoggedWithAHintAndServiceResumesByItself() throws Exception {
    try (JarProcess server = JarProcess.start(100, Map.of(), List.of(),
      "-conf", "{\"host\":\"127.0.0.1\",\"port\":0}")) {
      int port = server.port();
      List<Socket> crowd = new ArrayList<>();
      try {
        for (int i = 0; i < 300; i++) {
          crowd.add(new Socket("127.0.0.1", port));
        }
        server.await(Pattern.compile("open files nearly used up: \\d+ connections and the open-file limit is 100;.*ulimit -n"), 30);
      } finally {
        for (Socket socket : crowd) {
          socket.close();
        }
      }
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice");
           LineClient bob = LineClient.login("127.0.0.1", port, "bob")) {
        alice.send("bob: still serving");
        assertThat(bob.readLine()).isEqualTo("from alice: still serving");
      }
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  @Test
  void hostileClientsAllAtOnceNeitherKillTheServerNorSlowOthersNorGrowItsMemory() throws Exception {
    try (JarProcess server = JarProcess.server()) {
      int port = server.port();
      AtomicLong maxRss = new AtomicLong();
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(() -> maxRss.accumulateAndGet(Rss.of(server.pid()), Math::max), 0, 100, TimeUnit.MILLISECONDS);
      // One exchange before the attack, so the rounds below time the server, not its first-ever login.
      exchange(port, "warm");
      try (LineClient deaf = LineClient.login("127.0.0.1", port, "deaf", 4096);
           LineClient pusher = LineClient.login("127.0.0.1", port, "pusher");
           LineClient flooder = LineClient.login("127.0.0.1", port, "flooder");
           LineClient sink = LineClient.login("127.0.0.1", port, "sink");
           LineClient endless = LineClient.login("127.0.0.1", port, "endless")) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<CountDownLatch> underWay = List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
        // 400 MB for a recipient that never reads.
        String big = "deaf: " + "d".repeat(8000) + "\n";
        CompletableFuture<Long> pushed = Flood.send(pusher, big.getBytes(StandardCharsets.US_ASCII), 400L << 20, deadline,
          underWay.get(0));
        CompletableFuture<Long> pusherReads = Background.supply(pusher::discardUntilClosed);
        // 256 MiB without a newline.
        CompletableFuture<Long> endlessSent = Flood.send(endless, "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII),
          256L << 20, deadline, underWay.get(1));
        // Full speed to a client that reads as fast as it can.
        String flood = "sink: " + "f".repeat(200) + "\n";
        CompletableFuture<Long> flooded = Flood.send(flooder, flood.repeat(100).getBytes(StandardCharsets.US_ASCII),
          Long.MAX_VALUE, deadline, underWay.get(2));
        CompletableFuture<Long> sinkReads = Background.supply(sink::discardUntilClosed);
        CompletableFuture<Long> flooderReads = Background.supply(flooder::discardUntilClosed);

        // Once every attack is under way, two fresh clients exchange a message (a second on average),
        // again and again, for as long as the attacks last.
        for (CountDownLatch attack : underWay) {
          assertThat(attack.await(30, TimeUnit.SECONDS)).isTrue();
        }
        int rounds = 0;
        long totalMillis = 0;
        long slowest = 0;
        int slowestRound = 0;
        while (!pushed.isDone() || System.nanoTime() < deadline - TimeUnit.SECONDS.toNanos(10)) {
          long start = System.nanoTime();
          exchange(port, Integer.toString(rounds));
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          // Generous on a shared 2-core machine: no round over 5 s, a second each on average (below).
          assertThat(millis).as("round %d: log in twice and exchange a message", rounds).isLessThan(5000);
          totalMillis += millis;
          if (millis > slowest) {
            slowest = millis;
            slowestRound = rounds;
          }
          rounds++;
        }
        assertThat(rounds).isPositive();
        assertThat(totalMillis / rounds).as("average round, ms").isLessThan(1000);
        System.out.printf("%d rounds of two fresh clients, the slowest (round %d) took %d ms%n", rounds, slowestRound, slowest);
        long sent = flooded.get(60, TimeUnit.SECONDS);
        assertThat(sent).as("the flooder kept sending").isGreaterThan(10L << 20);
        assertThat(endlessSent.get(60, TimeUnit.SECONDS)).as("sent without a newline before being cut off").isLessThan(256L << 20);
        pushed.get(60, TimeUnit.SECONDS);
        flooder.close();
        sink.close();
        pusher.close();
        flooderReads.get(60, TimeUnit.SECONDS);
        sinkReads.get(60, TimeUnit.SECONDS);
        pusherReads.get(60, TimeUnit.SECONDS);
        assertThat(deaf.readUntilClosed().size()).as("lines deaf got before it was cut off").isLessThan((400 << 20) / 8000);
      } finally {
        sampler.shutdownNow();
      }
      assertThat(server.output()).anyMatch(line -> line.contains("(deaf) is not reading"));
      assertThat(server.output()).anyMatch(line -> line.contains("(endless) sent a line longer than 8192 bytes"));
      System.out.printf("server resident memory peaked at %d MiB (bound %d MiB)%n", maxRss.get() >> 20, RSS_BOUND_BYTES >> 20);
      assertThat(maxRss.get()).as("peak resident memory").isLessThan(RSS_BOUND_BYTES);
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  /** Two fresh clients log in and one sends the other a message. */
  private static void exchange(int port, String round) {
    try (LineClient alice = LineClient.login("127.0.0.1", port, "alice" + round);
         LineClient bob = LineClient.login("127.0.0.1", port, "bob" + round)) {
      alice.send(bob.login() + ": ping " + round);
      assertThat(bob.readLine()).isEqualTo("from " + alice.login() + ": ping " + round);
    }
  }
}
