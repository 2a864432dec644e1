package io.achat.server;

import io.achat.support.Background;
import io.achat.support.ChatServerFixture;
import io.achat.support.ChatSession;
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

/** The server's limits (the README's "Limits"), against a deployed server over real sockets. */
@ExtendWith(VertxExtension.class)
class LimitsTest {

  @Test
  void theConnectionOverTheLimitIsToldTheServerIsFullAndANewOneGetsInOnceOneLeft(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxConnections", 3));
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
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
  void whenTheServerIsFullTheOldestConnectionThatHasNotLoggedInMakesRoom(Vertx vertx) {
    // One accept loop: it sees connections in the order they came (each loop evicts its own).
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxConnections", 3)
      .put("instances", 1));
    try (LineClient alice = server.login("alice"); LineClient idle1 = server.connect();
         LineClient idle2 = server.connect()) {
      try (LineClient bob = server.login("bob")) {
        assertThat(idle1.readUntilClosed()).containsExactly("error: server full");
        bob.send("alice: I got in");
        assertThat(alice.readLine()).isEqualTo("from bob: I got in");
        // idle2 is still there and may still log in, in its turn; then nobody can make room.
        idle2.send("carol").named("carol").sync();
        try (LineClient dave = server.connect()) {
          assertThat(dave.readUntilClosed()).containsExactly("error: server full");
        }
      }
    }
  }

  @Test
  void oneAddressCannotTakeTheServerAndOthersStillGetIn(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject()
      .put("maxConnections", 10).put("maxConnectionsPerAddress", 3).put("exemptAddresses", "")
      // The retries below open as many connections as it takes: this test is about the open ones.
      .put("maxNewConnectionsPerAddress", 0));
    // Logged in, so certainly admitted before the next one comes.
    List<LineClient> crowd = IntStream.range(0, 3).mapToObj(i -> {
      LineClient client = LineClient.connectFrom("127.0.0.2", "127.0.0.1", server.port());
      client.send("c" + i).named("c" + i).sync();
      return client;
    }).toList();
    try (LineClient oneMore = LineClient.connectFrom("127.0.0.2", "127.0.0.1", server.port());
         LineClient alice = LineClient.connectFrom("127.0.0.3", "127.0.0.1", server.port())) {
      assertThat(oneMore.readUntilClosed()).containsExactly("error: too many connections from your address");
      alice.send("alice").named("alice");
      assertThat(alice.sync()).isEmpty();
    } finally {
      crowd.forEach(LineClient::close);
    }
    // Once they left, that address gets in again (as soon as the server has seen them go).
    for (int attempt = 0; ; attempt++) {
      try (LineClient again = LineClient.connectFrom("127.0.0.2", "127.0.0.1", server.port())) {
        // One write: a refused connection may be closed before a second one.
        again.sendRaw("bob\nbob: back\n".getBytes(StandardCharsets.UTF_8));
        String answer = again.readLine();
        if ("from bob: back".equals(answer)) {
          break;
        }
        // null: reset, for the login line it had not read when it closed.
        assertThat(answer).isIn("error: too many connections from your address", null);
        assertThat(attempt).as("attempts while the server still counts the closed ones").isLessThan(10_000);
      }
    }
  }

  @Test
  void loopbackIsExemptFromThePerAddressLimitByDefault(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxConnectionsPerAddress", 2));
    List<LineClient> many = IntStream.range(0, 5).mapToObj(i -> server.login("u" + i)).toList();
    try {
      many.get(0).send("u4: all five of us");
      assertThat(many.get(4).readLine()).isEqualTo("from u0: all five of us");
    } finally {
      many.forEach(LineClient::close);
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
    try (LineClient alice = server.login("alice"); LineClient carol = server.login("carol");
         LineClient deaf = server.loginSlowReader("deaf")) {
      deafIsCutOffWhileCarolGetsEverything(alice, carol, deaf, () -> { });
    }
  }

  /**
   * alice sends lines to deaf, who does not read, and carol: carol gets every one, deaf is cut
   * off on the way and gets fewer once {@code deafReads} lets it read again.
   */
  static void deafIsCutOffWhileCarolGetsEverything(ChatSession alice, ChatSession carol, ChatSession deaf,
                                                   Runnable deafReads) throws Exception {
    int count = 8_000;
    String text = "q".repeat(1000);
    CompletableFuture<List<String>> carolGot = Background.supply(() ->
      IntStream.range(0, count).mapToObj(i -> carol.readLine()).toList());
    for (int i = 0; i < count; i++) {
      alice.send("deaf, carol: " + i + " " + text);
    }
    assertThat(carolGot.get(60, TimeUnit.SECONDS))
      .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "from alice: " + i + " " + text).toList());
    // deaf is cut off on the way: then alice is told it is not connected. Its accept loop may
    // still be writing what the broker routed to it when carol has everything, so this waits
    // for the broker to hear of it rather than expecting it by alice's next line.
    alice.awaitGone("deaf");
    deafReads.run();
    assertThat(deaf.readUntilClosed().size()).isLessThan(count);
  }
}
