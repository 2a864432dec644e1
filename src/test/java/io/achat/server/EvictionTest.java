package io.achat.server;

import io.achat.ops.PrometheusMeters;
import io.achat.support.Background;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Presence;
import io.achat.support.Prometheus;
import io.achat.support.Transports;
import io.achat.support.RawWebSocket;
import io.achat.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the server holds for clients that do not read is bounded for all of them together
 * (maxClientMemory), and a client cut off is let go of at once, over real sockets.
 */
@ExtendWith(VertxExtension.class)
class EvictionTest {

  @Test
  void pastTheBudgetTheClientsHoldingTheMostAreCutOffAndReadersKeepEverything(Vertx vertx) throws Exception {
    // Ten non-readers may each hold 1 MiB, but all clients together only 2 MiB: past it they
    // hold 200 KiB each on average, far more than the sender's 8 KiB on their way to the broker.
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("instances", 1)
      .put("maxQueuedBytes", 1024 * 1024).put("maxClientMemory", 2 * 1024 * 1024).put("maxInFlightBytes", 8192));
    List<LineClient> deaf = IntStream.range(0, 10).mapToObj(i -> server.loginSlowReader("deaf" + i)).toList();
    try (LineClient alice = server.login("alice"); LineClient carol = server.login("carol");
         LineClient watcher = server.login("watcher")) {
      String to = String.join(", ", deaf.stream().map(LineClient::login).toList()) + ", carol: ";
      String text = "m".repeat(1000);
      int count = 8_000;
      CompletableFuture<List<String>> carolGot = Background.supply(() ->
        IntStream.range(0, count).mapToObj(i -> carol.readLine()).toList());
      // alice reads too (she is told who is no longer connected), up to her own last line.
      CompletableFuture<List<String>> aliceGot = readUpToDone(alice);
      for (int i = 0; i < count; i++) {
        alice.send(to + i + " " + text);
      }
      alice.send("alice: done");
      assertThat(carolGot.get(60, TimeUnit.SECONDS))
        .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "from alice: " + i + " " + text).toList());
      assertThat(aliceGot.get(60, TimeUnit.SECONDS)).allMatch(line -> line.startsWith("error: not connected: deaf"));
      for (LineClient d : deaf) {
        watcher.awaitGone(d.login());
      }
      String metrics = PrometheusMeters.of(vertx).scrape();
      assertThat(Prometheus.sample(metrics, "achat_clients_evicted_total\\{reason=\"memory\"}"))
        .as("cut off for the budget: %s", metrics).isPositive();
      assertThat(Prometheus.sample(metrics, "achat_client_memory_budget_bytes")).isEqualTo(2 * 1024 * 1024);
      // alice and carol took their messages: neither was ever among the largest holders.
      watcher.send("alice, carol: still here");
      assertThat(alice.readLine()).isEqualTo("from watcher: still here");
      assertThat(carol.readLine()).isEqualTo("from watcher: still here");
    } finally {
      deaf.forEach(LineClient::close);
    }
    // Everyone has gone: what the budget counts is back to nothing, not drifting up.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Prometheus.sample(PrometheusMeters.of(vertx).scrape(), "achat_client_memory_bytes") != 0
      && System.nanoTime() < deadline) {
      vertx.timer(20, TimeUnit.MILLISECONDS).await(30, TimeUnit.SECONDS); // a poll, bounded by the deadline
    }
    assertThat(Prometheus.sample(PrometheusMeters.of(vertx).scrape(), "achat_client_memory_bytes")).isZero();
  }

  @ParameterizedTest(name = "native transport: {0}")
  @ValueSource(booleans = {false, true})
  void aClientCutOffIsGoneWithinTwoSecondsThoughItNeverReads(boolean nativeTransport, Vertx nio) throws Exception {
    Transports.on(nativeTransport, nio, vertx -> cutOffNonReaderIsGone(vertx));
  }

  private static void cutOffNonReaderIsGone(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("instances", 1)
      .put("maxQueuedBytes", 64 * 1024));
    try (LineClient alice = server.login("alice"); LineClient deaf = server.loginSlowReader("deaf");
         LineClient watcher = server.login("watcher")) {
      assertThat(openConnections(vertx)).isEqualTo(3);
      String text = "d".repeat(1000);
      int count = 20_000;
      // Until deaf is cut off: what the kernel holds for it, then maxQueuedBytes. alice reads
      // what she is told meanwhile, as a client must, or she would be the next one cut off.
      CompletableFuture<Void> sent = Background.run(() -> {
        for (int i = 0; i < count; i++) {
          alice.send("deaf: " + i + " " + text);
        }
        alice.send("alice: done");
      });
      CompletableFuture<List<String>> aliceGot = readUpToDone(alice);
      watcher.awaitGone("deaf");
      long cutOff = System.nanoTime();
      long deadline = cutOff + TimeUnit.SECONDS.toNanos(10);
      while (openConnections(vertx) > 2 && System.nanoTime() < deadline) {
        vertx.timer(20, TimeUnit.MILLISECONDS).await(30, TimeUnit.SECONDS); // a poll, bounded by the deadline
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutOff);
      assertThat(openConnections(vertx)).as("open connections %d ms after deaf was cut off", millis).isEqualTo(2);
      assertThat(millis).as("ms from the cut-off until deaf's socket was closed").isLessThan(2000);
      sent.get(60, TimeUnit.SECONDS);
      assertThat(aliceGot.get(60, TimeUnit.SECONDS)).isNotEmpty().allMatch("error: not connected: deaf"::equals);
      alice.sync(); // still served
    }
  }

  /**
   * What is queued for a client that stopped reading may all fit in the kernel's send buffer,
   * leaving a-chat's own queue empty: on the native transport the kernel lets it go all the same.
   * (On NIO nothing public shows that buffer; see Stalls.)
   */
  @Test
  void aClientThatTakesNothingOfWhatTheKernelHoldsForItIsLetGo(Vertx nio) throws Exception {
    Transports.on(true, nio, vertx -> {
      ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("instances", 1));
      try (LineClient alice = server.login("alice"); LineClient deaf = server.loginSlowReader("deaf")) {
        // 100 KB: more than the client's 4 KiB receive buffer, far less than the server's send buffer.
        String text = "k".repeat(1000);
        for (int i = 0; i < 100; i++) {
          alice.send("deaf: " + i + " " + text);
        }
        alice.sync();
        long start = System.nanoTime();
        alice.awaitGone("deaf");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(millis).as("ms from the last line until deaf was let go").isLessThan(1500 + 1000);
        assertThat(openConnections(vertx)).isEqualTo(1);
      }
    });
  }

  @ParameterizedTest(name = "native transport: {0}")
  @ValueSource(booleans = {false, true})
  void anIdleClientIsNotTakenForOneThatDoesNotRead(boolean nativeTransport, Vertx nio) throws Exception {
    Transports.on(nativeTransport, nio, vertx -> {
      ChatServerFixture server = ChatServerFixture.deploy(vertx);
      try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
        // Three times the stall timeout (stallTimeoutMillis, 1500 by default) with nothing to read or send.
        bob.expectSilence(3 * 1500);
        alice.send("bob: are you still there?");
        assertThat(bob.readLine()).isEqualTo("from alice: are you still there?");
      }
    });
  }

  @Test
  void aWebSocketThatDoesNotAnswerPingsIsClosedAndItsLoginFreed(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1)
      .put("webSocketTimeoutMillis", 3000));
    int webPort = Integer.parseInt(server.webUrl().replaceAll(".*:(\\d+)/$", "$1"));
    // The browser's client answers pings: it stays for twice the timeout.
    WsClient browser = WsClient.login(vertx, server.webSocketUrl(), "browser");
    try (RawWebSocket ghost = RawWebSocket.connect(webPort)) {
      ghost.send("ghost"); // and never reads, so never answers a ping
      try (LineClient alice = server.login("alice")) {
        Presence.awaitSeen(alice, "ghost");
        long start = System.nanoTime();
        LineClient again = Presence.loginRetrying(server::connect, "ghost", 15_000);
        again.close();
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertThat(seconds).as("s until ghost's login was free").isLessThan(8);
        browser.expectSilence(3000);
        alice.send("browser: you answered every ping");
        assertThat(browser.readLine()).isEqualTo("from alice: you answered every ping");
      }
    } finally {
      browser.close();
    }
  }

  /** In the background: what {@code alice} reads up to her own {@code done}; fails if she is cut off first. */
  private static CompletableFuture<List<String>> readUpToDone(LineClient alice) {
    return Background.supply(() -> {
      List<String> lines = new ArrayList<>();
      for (String line = alice.readLine(); !"from alice: done".equals(line); line = alice.readLine()) {
        assertThat(line).as("alice was cut off").isNotNull();
        lines.add(line);
      }
      return lines;
    });
  }

  private static long openConnections(Vertx vertx) {
    return (long) Prometheus.sample(PrometheusMeters.of(vertx).scrape(), "achat_connections_open");
  }
}
