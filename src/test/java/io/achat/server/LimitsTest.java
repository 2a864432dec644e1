package io.achat.server;

import io.achat.support.Background;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Limits of spec.md's "Lifecycle and limits", against a deployed server over real sockets. */
@ExtendWith(VertxExtension.class)
class LimitsTest {

  @Test
  void theConnectionOverTheLimitIsToldTheServerIsFullAndANewOneGetsInOnceOneLeft(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxConnections", 3));
    try (LineClient alice = server.login("alice"); LineClient bob = server.connect()) {
      LineClient carol = server.login("carol");
      try (LineClient dave = server.connect()) {
        assertThat(dave.readUntilClosed()).containsExactly("error: server full");
      }
      carol.close();
      alice.awaitGone("carol");
      try (LineClient erin = server.login("erin")) {
        alice.send("erin: welcome");
        assertThat(erin.readLine()).isEqualTo("from alice: welcome");
      }
    }
  }

  @Test
  void aClientThatSendsNoLoginInTimeIsToldAndClosed(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("loginTimeoutMillis", 300));
    // alice connects first, so her login timer would have fired before the silent one's.
    try (LineClient alice = server.login("alice"); LineClient silent = server.connect()) {
      assertThat(silent.readUntilClosed()).containsExactly("error: no login within 300 ms");
      alice.send("alice: still here");
      assertThat(alice.readLine()).isEqualTo("from alice: still here");
    }
  }

  @Test
  void acceptedConnectionsProbeIdlePeersWithTcpKeepAlive(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx); // tcpKeepAlive: true
    try (LineClient alice = server.login("alice")) {
      // The server's end of the connection has a keep-alive timer (the kernel's idle time).
      assertThat(ss("sport = :" + server.port())).contains("timer:(keepalive,");
    }
  }

  @Test
  void keepAliveCanBeTurnedOff(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("tcpKeepAlive", false));
    try (LineClient bob = server.login("bob")) {
      assertThat(ss("sport = :" + server.port())).contains("127.0.0.1").doesNotContain("keepalive");
    }
  }

  private static String ss(String filter) throws IOException, InterruptedException {
    Process ss = new ProcessBuilder("ss", "-tnoH", "state", "established", filter).redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ss.waitFor()).as("ss: %s", out).isZero();
    return out;
  }

  @Test
  void aRecipientThatDoesNotReadIsCutOffAndEveryoneElseGetsEverything(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx); // maxQueuedBytes: 1 MiB
    // More than the kernel can hold for deaf (a send buffer autotuned up to tcp_wmem's 4 MiB) plus 1 MiB.
    int count = 8_000;
    String text = "q".repeat(1000);
    try (LineClient alice = server.login("alice"); LineClient carol = server.login("carol");
         LineClient deaf = server.loginSlowReader("deaf")) {
      CompletableFuture<List<String>> carolGot = Background.supply(() ->
        IntStream.range(0, count).mapToObj(i -> carol.readLine()).toList());
      for (int i = 0; i < count; i++) {
        alice.send("deaf, carol: " + i + " " + text);
      }
      assertThat(carolGot.get(60, TimeUnit.SECONDS))
        .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "from alice: " + i + " " + text).toList());
      // deaf was cut off on the way: from then on alice is told it is not connected.
      assertThat(alice.sync()).contains("error: not connected: deaf");
      List<String> deafGot = deaf.readUntilClosed();
      assertThat(deafGot.size()).isLessThan(count);
    }
  }
}
