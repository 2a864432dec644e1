package io.achat.server;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Prometheus;
import io.achat.support.RawHttp;
import io.achat.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every door counts: a connection to the chat port, the web port and the management port is
 * admitted, limited and timed from the moment it is accepted, before it says anything. Clients
 * bound to 127.0.0.2, 127.0.0.3, ... are other addresses (loopback is not exempt here).
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class DoorsTest {

  private static final String TOO_MANY = "error: " + Doorkeeper.TOO_MANY;
  private static final String TOO_MANY_NEW = "error: " + Doorkeeper.TOO_MANY_NEW;

  /** The web page and the management server on, loopback counted like any address. */
  private static JsonObject doors() {
    return new JsonObject().put("webPort", -1).put("managementPort", -1).put("exemptAddresses", "")
      .put("instances", 1);
  }

  private static int webPort(ChatServerFixture server) {
    return URI.create(server.webUrl()).getPort();
  }

  private static int managementPort(ChatServerFixture server) {
    return URI.create(server.managementUrl()).getPort();
  }

  @Test
  void aRequestSentHalfIsClosedAfterRequestTimeoutMillisOnTheWebAndManagementPorts(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("requestTimeoutMillis", 600));
    try (LineClient alice = server.login("alice");
         RawHttp web = RawHttp.connect("127.0.0.2", webPort(server)).sendHalf("/ws");
         RawHttp management = RawHttp.connect("127.0.0.2", managementPort(server)).sendHalf("/metrics");
         RawHttp silent = RawHttp.connect("127.0.0.2", webPort(server))) {
      for (RawHttp held : List.of(web, management, silent)) {
        assertThat(held.awaitClosed(10_000)).as("closed after, ms").isBetween(500L, 5_000L);
      }
      alice.send("alice: still here");
      assertThat(alice.readLine()).isEqualTo("from alice: still here");
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterKeepAliveTimeoutMillis(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("keepAliveTimeoutMillis", 700));
    for (int port : List.of(webPort(server), managementPort(server))) {
      try (RawHttp page = RawHttp.connect("127.0.0.2", port)) {
        long start = System.nanoTime();
        assertThat(page.get(port == webPort(server) ? "/" : "/health")).isEqualTo(200);
        // A second request within the timeout keeps it: the timeout counts from the last answer.
        assertThat(page.get(port == webPort(server) ? "/chat.js" : "/ready")).isIn(200, 503);
        long afterAnswer = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(page.awaitClosed(10_000) - afterAnswer).as("idle for, ms, before it was closed")
          .isBetween(500L, 5_000L);
      }
    }
  }

  @Test
  void aWebSocketThatDoesNotLogInIsClosedAfterLoginTimeoutMillis(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("loginTimeoutMillis", 500));
    try (WsClient silent = WsClient.connect(vertx, server.webSocketUrl(), null)) {
      assertThat(silent.readUntilClosed()).containsExactly("error: no login within 500 ms");
    }
  }

  @Test
  void maxConnectionsPerAddressCountsEveryDoorFromTheMomentOfAccept(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("maxConnectionsPerAddress", 3)
      .put("keepAliveTimeoutMillis", 30_000));
    // Each answered or logged in, so certainly counted before the next comes.
    try (RawHttp page = RawHttp.connect("127.0.0.2", webPort(server));
         RawHttp probe = RawHttp.connect("127.0.0.2", managementPort(server));
         LineClient chat = LineClient.loginFrom("127.0.0.2", "127.0.0.1", server.port(), "chat", 0)) {
      assertThat(page.get("/")).isEqualTo(200);
      assertThat(probe.get("/health")).isEqualTo(200);
      try (LineClient fourth = LineClient.connectFrom("127.0.0.2", "127.0.0.1", server.port())) {
        assertThat(fourth.readUntilClosed()).containsExactly(TOO_MANY);
      }
      for (int port : List.of(webPort(server), managementPort(server))) {
        try (RawHttp fourth = RawHttp.connect("127.0.0.2", port)) {
          assertThat(fourth.awaitClosed(10_000)).as("closed at once, ms").isLessThan(3_000L);
        }
      }
      try (LineClient other = LineClient.loginFrom("127.0.0.3", "127.0.0.1", server.port(), "other", 0)) {
        other.send("chat: from another address");
        assertThat(chat.readLine()).isEqualTo("from other: from another address");
      }
    }
  }

  @Test
  void pastMaxConnectionsAWebConnectionMakesRoomButALoggedInUserNever(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("maxConnections", 3)
      .put("keepAliveTimeoutMillis", 30_000));
    try (LineClient alice = server.login("alice");
         WsClient bob = WsClient.login(vertx, server.webSocketUrl(), "bob");
         RawHttp page = RawHttp.connect("127.0.0.2", webPort(server))) {
      bob.sync();
      assertThat(page.get("/")).isEqualTo(200);
      // Full: the page's idle connection is the one that is not a user.
      try (LineClient carol = server.login("carol")) {
        assertThat(page.closedWithin(10_000)).isTrue();
        carol.send("alice: in");
        assertThat(alice.readLine()).isEqualTo("from carol: in");
        // Three users now: nobody makes room, whatever the door.
        try (RawHttp another = RawHttp.connect("127.0.0.3", webPort(server))) {
          assertThat(another.awaitClosed(10_000)).as("closed at once, ms").isLessThan(3_000L);
        }
        try (LineClient dave = server.connect()) {
          assertThat(dave.readUntilClosed()).containsExactly("error: server full");
        }
        try (RawHttp upgrade = RawHttp.connect("127.0.0.1", webPort(server))) {
          assertThat(upgrade.upgradeUntilClosed(10_000)).as("no WebSocket, not a word").isEmpty();
        }
        alice.send("bob, carol: all still here");
        assertThat(bob.readLine()).isEqualTo("from alice: all still here");
        assertThat(carol.readLine()).isEqualTo("from alice: all still here");
      }
    }
  }

  @Test
  void newConnectionsFromOneAddressAreThrottledOnEveryDoorAndRefusedAfterASecond(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("maxNewConnectionsPerAddress", 3));
    for (int i = 0; i < 3; i++) {
      try (LineClient ok = LineClient.loginFrom("127.0.0.2", "127.0.0.1", server.port(), "u" + i, 0)) {
        ok.send("u" + i + ": in");
        assertThat(ok.readLine()).isEqualTo("from u" + i + ": in");
      }
    }
    long start = System.nanoTime();
    try (LineClient fourth = LineClient.connectFrom("127.0.0.2", "127.0.0.1", server.port())) {
      assertThat(fourth.readUntilClosed()).containsExactly(TOO_MANY_NEW);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("refused after, ms")
        .isGreaterThanOrEqualTo(Doorkeeper.THROTTLED_REFUSAL_MILLIS - 100);
    }
    for (int port : List.of(webPort(server), managementPort(server))) {
      try (RawHttp throttled = RawHttp.connect("127.0.0.2", port)) {
        // Its request is not answered: the connection is refused, after a second.
        throttled.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(throttled.awaitClosed(10_000)).as("closed after, ms").isBetween(900L, 5_000L);
      }
    }
    try (LineClient other = LineClient.loginFrom("127.0.0.3", "127.0.0.1", server.port(), "other", 0)) {
      other.send("other: another address is not throttled");
      assertThat(other.readLine()).isEqualTo("from other: another address is not throttled");
    }
  }

  @Test
  void loopbackIsExemptFromTheRateByDefault(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxNewConnectionsPerAddress", 2));
    for (int i = 0; i < 20; i++) {
      try (LineClient client = server.login("u" + i)) {
        client.send("u" + i + ": " + i);
        assertThat(client.readLine()).isEqualTo("from u" + i + ": " + i);
      }
    }
  }

  @Test
  void everyPlaceTakenIsGivenBackOnceItsConnectionClosesWhateverBecameOfIt(Vertx vertx) {
    // 127.0.0.9 scrapes, exempt; 127.0.0.1 is a trusted proxy; everyone else one connection, two new a minute.
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("exemptAddresses", "127.0.0.9")
      .put("trustedProxies", "127.0.0.1").put("maxConnectionsPerAddress", 1).put("maxNewConnectionsPerAddress", 2)
      .put("keepAliveTimeoutMillis", 30_000));
    try (WsClient alice = WsClient.connectWithHeaders(vertx, server.webSocketUrl(), Map.of("X-Forwarded-For", "203.0.113.1"));
         LineClient bob = LineClient.loginFrom("127.0.0.2", "127.0.0.1", server.port(), "bob", 0);
         RawHttp page = RawHttp.connect("127.0.0.3", webPort(server))) {
      alice.send("alice").named("alice").sync();
      // Through the proxy, for a client that has its one connection: refused once it names the client.
      try (WsClient again = WsClient.connectWithHeaders(vertx, server.webSocketUrl(),
        Map.of("X-Forwarded-For", "203.0.113.1"))) {
        assertThat(again.readUntilClosed()).containsExactly(TOO_MANY);
      }
      try (LineClient second = LineClient.connectFrom("127.0.0.2", "127.0.0.1", server.port())) {
        assertThat(second.readUntilClosed()).containsExactly(TOO_MANY);
      }
      try (LineClient third = LineClient.connectFrom("127.0.0.2", "127.0.0.1", server.port())) {
        assertThat(third.readUntilClosed()).as("its address's third new one in a minute: held, then refused")
          .containsExactly(TOO_MANY_NEW);
      }
      assertThat(page.get("/")).isEqualTo(200);
      assertThat(openConnections(server)).as("alice, bob, the page").isGreaterThanOrEqualTo(3);
    }
    // Every client has closed: once the server has seen each go, it holds none.
    for (int attempt = 0; openConnections(server) > 0; attempt++) {
      assertThat(attempt).as("scrapes while the server still counts closed connections").isLessThan(10_000);
    }
  }

  /** {@code achat_connections_open}, scraped from 127.0.0.9. */
  private static double openConnections(ChatServerFixture server) {
    try (RawHttp scrape = RawHttp.connect("127.0.0.9", managementPort(server))) {
      assertThat(scrape.get("/metrics")).isEqualTo(200);
      return Prometheus.sample(scrape.body(), "achat_connections_open");
    }
  }

  @Test
  void theManagementPortHasABoundOfItsOwnAndItsOldestIdleConnectionMakesRoom(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, doors().put("maxManagementConnections", 2)
      .put("keepAliveTimeoutMillis", 30_000));
    int port = managementPort(server);
    List<RawHttp> held = new ArrayList<>();
    try {
      for (String from : List.of("127.0.0.2", "127.0.0.3")) {
        RawHttp idle = RawHttp.connect(from, port);
        held.add(idle);
        assertThat(idle.get("/health")).isEqualTo(200);
      }
      try (RawHttp probe = RawHttp.connect("127.0.0.4", port)) {
        assertThat(probe.get("/health")).isEqualTo(200);
        assertThat(held.get(0).closedWithin(10_000)).as("the oldest idle one made room").isTrue();
      }
      // The chat is not touched by the management port's bound.
      try (LineClient alice = server.login("alice")) {
        alice.send("alice: fine");
        assertThat(alice.readLine()).isEqualTo("from alice: fine");
      }
    } finally {
      held.forEach(RawHttp::close);
    }
  }
}
