package io.achat.bench;

import io.achat.support.ChatServerFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Percentage.withPercentage;

/** The benchmark's accounting: exact against a correct server, and it catches every fault. */
@ExtendWith(VertxExtension.class)
class LoadTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static Settings settings(int port, int clients) {
    return settings(port, clients, "u", 1000, Duration.ofSeconds(5));
  }

  /** Where lines never arrive, waits 1 s for them rather than 5. */
  private static Settings lossy(int port, int clients) {
    return settings(port, clients, "u", 1000, Duration.ofSeconds(1));
  }

  /** 3 recipients, window 16, 0.2 s warm-up and 1 s measured. */
  private static Settings settings(int port, int clients, String prefix, double rate, Duration drain) {
    return settings(List.of(new Address("127.0.0.1", port)), clients, prefix, rate, drain);
  }

  private static Settings settings(List<Address> targets, int clients, String prefix, double rate, Duration drain) {
    return settings(targets, clients, prefix, rate, drain, List.of());
  }

  private static Settings settings(List<Address> targets, int clients, String prefix, double rate, Duration drain,
                                   List<Long> serverPids) {
    return new Settings(targets, clients, 3, 16, rate, 0, Duration.ofMillis(200), Duration.ofSeconds(1),
      drain, Duration.ZERO, prefix, 256, serverPids);
  }

  /**
   * Given the server's pid (here this JVM's, which runs the server), the run reports the CPU time
   * the server used in the measured window and that time per delivery; a pid that cannot be read
   * is said, and no figure is made up.
   */
  @Test
  void theServersCpuPerDeliveryIsReportedWhenItsPidIsGiven(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    List<Address> target = List.of(new Address("127.0.0.1", server.port()));
    long self = ProcessHandle.current().pid();
    Report report = new Load(settings(target, 20, "u", 1000, Duration.ofSeconds(5), List.of(self)), QUIET).throughput();
    assertEverythingDelivered(report);
    JsonObject json = report.toJson();
    JsonObject cpu = json.getJsonObject("serverCpu");
    assertThat(cpu.getInteger("processes")).isEqualTo(1);
    assertThat(cpu.getDouble("seconds")).isPositive().isLessThan(json.getDouble("measuredSeconds") * 2 * 4);
    double deliveries = json.getLong("deliveriesPerSecond") * json.getDouble("measuredSeconds");
    assertThat(cpu.getDouble("perDeliveryMicros")).isCloseTo(cpu.getDouble("seconds") * 1e6 / deliveries,
      withPercentage(3));
    assertThat(report.toString()).contains("server CPU").contains("µs per delivery");

    ByteArrayOutputStream said = new ByteArrayOutputStream();
    Report unread = new Load(settings(target, 20, "v", 1000, Duration.ofSeconds(5), List.of(self, Long.MAX_VALUE)),
      new PrintStream(said, true, StandardCharsets.UTF_8)).throughput();
    assertEverythingDelivered(unread);
    assertThat(unread.toJson().containsKey("serverCpu")).isFalse();
    assertThat(said.toString(StandardCharsets.UTF_8)).contains("could not read the CPU time of every process");
  }

  @Test
  void everyDeliveryIsAccountedForAgainstAChat(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    Report report = new Load(settings(server.port(), 20), QUIET).throughput();
    assertEverythingDelivered(report);
    assertThat(report.toJson().getLong("deliveriesPerSecond")).isPositive();
    assertThat(report.toJson().getJsonObject("latencyMicros").getLong("count")).isPositive();
    assertThat(report.toString()).startsWith("throughput against 127.0.0.1:" + server.port() + ": 20 clients")
      .doesNotContain("addresses");
  }

  /**
   * Two relays in front of one server stand for two addresses of one chat: each sees exactly the
   * logins round robin sends it, and messages between clients on different addresses all arrive.
   */
  @Test
  void clientsAreSpreadRoundRobinOverTheAddresses(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    try (Relay first = new Relay(vertx, server.port()); Relay second = new Relay(vertx, server.port())) {
      List<Address> targets = List.of(new Address("127.0.0.1", first.port()), new Address("127.0.0.1", second.port()));
      Report report = new Load(settings(targets, 20, "u", 1000, Duration.ofSeconds(5)), QUIET).throughput();
      assertThat(first.logins()).containsExactlyInAnyOrder("u0", "u2", "u4", "u6", "u8", "u10", "u12", "u14", "u16", "u18");
      assertThat(second.logins()).containsExactlyInAnyOrder("u1", "u3", "u5", "u7", "u9", "u11", "u13", "u15", "u17", "u19");
      assertThat(report.toJson().getLong("expected")).isPositive();
      assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
      assertThat(report.lost()).isZero();
      assertThat(report.errors()).isZero();
      assertThat(report.toJson().getJsonArray("targets")).containsExactly(targets.get(0).toString(), targets.get(1).toString());
      assertThat(report.toString()).contains("against 2 addresses", targets.get(0) + " " + targets.get(1));
    }
  }

  @Test
  void loginsBeyondAsciiAreAccountedForToo(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    Report report = new Load(settings(server.port(), 10, "\u00e9l\u00e8ve", 1000, Duration.ofSeconds(5)), QUIET).throughput();
    assertThat(report.garbled()).isZero();
    assertThat(report.toJson().getLong("expected")).isPositive();
    assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
  }

  @Test
  void theOpenLoopSendsAtTheRateAsked(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    Settings settings = settings(server.port(), 30, "u", 2000, Duration.ofSeconds(5));
    Report report = new Load(settings, QUIET).latency();
    // 2000 messages/s over 1.2 s (warm-up included), 3 recipients each.
    assertThat(report.toJson().getLong("sent")).isBetween(2200L, 2500L);
    assertThat(report.lost()).isZero();
    assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
  }

  @Test
  void lostLinesAreCountedExactly(Vertx vertx) throws Exception {
    try (FaultyServer server = new FaultyServer(vertx, FaultyServer.Fault.DROP, 50)) {
      Report report = new Load(lossy(server.port(), 10), QUIET).throughput();
      assertThat(report.lost()).isEqualTo(server.faults.get()).isPositive();
      assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected") - server.faults.get());
      assertThat(report.duplicates()).isZero();
    }
  }

  @Test
  void duplicatedLinesAreCountedExactly(Vertx vertx) throws Exception {
    try (FaultyServer server = new FaultyServer(vertx, FaultyServer.Fault.DUPLICATE, 50)) {
      Report report = new Load(settings(server.port(), 10), QUIET).throughput();
      assertThat(report.duplicates()).isEqualTo(server.faults.get()).isPositive();
      assertThat(report.lost()).isZero();
    }
  }

  @Test
  void garbledLinesAreCountedAndMissing(Vertx vertx) throws Exception {
    try (FaultyServer server = new FaultyServer(vertx, FaultyServer.Fault.GARBLE, 50)) {
      Report report = new Load(lossy(server.port(), 10), QUIET).throughput();
      assertThat(report.garbled()).isEqualTo(server.faults.get()).isPositive();
      assertThat(report.lost()).isEqualTo(server.faults.get());
    }
  }

  private static Address webSocket(int port) {
    return Address.parse("ws://127.0.0.1:" + port + "/ws");
  }

  /** a-chat's own WebSocket door, on webPort. */
  @Test
  void everyDeliveryIsAccountedForAgainstAChatsWebSocketPort(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    Address target = Address.parse(server.webSocketUrl());
    assertThat(target.webSocket()).isTrue();
    Report report = new Load(settings(List.of(target), 20, "u", 1000, Duration.ofSeconds(5)), QUIET).throughput();
    assertEverythingDelivered(report);
    assertThat(report.toJson().getLong("deliveriesPerSecond")).isPositive();
    assertThat(report.toString()).startsWith("throughput against " + target + ": 20 clients");
  }

  /** Half the clients on a-chat's TCP port, half on its WebSocket port, all in one chat. */
  @Test
  void tcpAndWebSocketClientsOfAChatTalkToEachOther(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    List<Address> targets = List.of(new Address("127.0.0.1", server.port()), Address.parse(server.webSocketUrl()));
    Report report = new Load(settings(targets, 20, "u", 1000, Duration.ofSeconds(5)), QUIET).throughput();
    assertEverythingDelivered(report);
  }

  @Test
  void theOpenLoopRunsAgainstAChatsWebSocketPort(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    Settings settings = settings(List.of(Address.parse(server.webSocketUrl())), 30, "u", 2000, Duration.ofSeconds(5));
    Report report = new Load(settings, QUIET).latency();
    assertThat(report.toJson().getLong("sent")).isBetween(2200L, 2500L);
    assertThat(report.lost()).isZero();
    assertThat(report.errors()).isZero();
    assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
  }

  /** Over a WebSocket, whole lines in each text frame, with no Origin header: every delivery is still accounted for. */
  @Test
  void everyDeliveryIsAccountedForOverWebSockets(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    try (WebSocketRelay relay = new WebSocketRelay(vertx, server.port(), false, null)) {
      Report report = new Load(settings(List.of(webSocket(relay.port())), 20, "u", 1000, Duration.ofSeconds(5)), QUIET)
        .throughput();
      assertEverythingDelivered(report);
      assertThat(report.toJson().getJsonObject("latencyMicros").getLong("count")).isPositive();
      assertThat(relay.logins()).hasSize(20);
      // The login, the ready line and every message, whole lines in whole frames; the login and
      // the ready line in one.
      assertThat(relay.linesIn.get()).isEqualTo(2 * 20 + report.toJson().getLong("sent"));
      assertThat(relay.framesIn.get()).isLessThanOrEqualTo(relay.linesIn.get() - 20);
      assertThat(relay.badFramesIn.get()).isZero();
      assertThat(relay.withOrigin.get()).isZero();
      assertThat(report.toString()).startsWith("throughput against ws://127.0.0.1:" + relay.port() + "/ws: 20 clients");
    }
  }

  @Test
  void theOpenLoopSendsWholeLinesInWholeFrames(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    try (WebSocketRelay relay = new WebSocketRelay(vertx, server.port(), false, null)) {
      Report report = new Load(settings(List.of(webSocket(relay.port())), 30, "u", 2000, Duration.ofSeconds(5)), QUIET)
        .latency();
      assertThat(report.toJson().getLong("sent")).isBetween(2200L, 2500L);
      assertThat(report.lost()).isZero();
      assertThat(report.errors()).isZero();
      assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
      assertThat(relay.linesIn.get()).isEqualTo(2 * 30 + report.toJson().getLong("sent"));
      assertThat(relay.badFramesIn.get()).isZero();
    }
  }

  /** TCP and WebSocket clients in one run, round robin, talk to each other. */
  @Test
  void tcpAndWebSocketAddressesMix(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    try (WebSocketRelay relay = new WebSocketRelay(vertx, server.port(), false, null)) {
      List<Address> targets = List.of(new Address("127.0.0.1", server.port()), webSocket(relay.port()));
      Report report = new Load(settings(targets, 20, "u", 1000, Duration.ofSeconds(5)), QUIET).throughput();
      assertThat(relay.logins()).containsExactlyInAnyOrder("u1", "u3", "u5", "u7", "u9", "u11", "u13", "u15", "u17", "u19");
      assertThat(report.toJson().getLong("expected")).isPositive();
      assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
      assertThat(report.lost()).isZero();
      assertThat(report.garbled()).isZero();
      assertThat(report.errors()).isZero();
      assertThat(report.toString()).contains("127.0.0.1:" + server.port() + " ws://127.0.0.1:" + relay.port() + "/ws");
    }
  }

  /** A line may come as a text frame and continuations, without its '\n': it is joined, not garbled. */
  @Test
  void aLineCutIntoFramesIsJoined(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    try (WebSocketRelay relay = new WebSocketRelay(vertx, server.port(), true, null)) {
      Report report = new Load(settings(List.of(webSocket(relay.port())), 10, "\u00e9l\u00e8ve", 1000,
        Duration.ofSeconds(5)), QUIET).throughput();
      assertThat(report.toJson().getLong("expected")).isPositive();
      assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
      assertThat(report.garbled()).isZero();
      assertThat(report.errors()).isZero();
    }
  }

  @Test
  void aWebSocketClosedByTheServerIsAnError(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    try (WebSocketRelay relay = new WebSocketRelay(vertx, server.port(), false, "u1")) {
      ByteArrayOutputStream progress = new ByteArrayOutputStream();
      Report report = new Load(settings(List.of(webSocket(relay.port())), 10, "u", 1000, Duration.ofSeconds(1)),
        new PrintStream(progress, true, StandardCharsets.UTF_8)).throughput();
      // The close is one error; the server's answers to those still writing to u1 may be more.
      assertThat(report.errors()).isPositive();
      assertThat(report.lost()).isPositive();
      assertThat(progress.toString(StandardCharsets.UTF_8)).containsOnlyOnce("u1: connection closed by the server")
        .doesNotContain("u0: connection closed", "u2: connection closed");
    }
  }

  @Test
  void aWebSocketRefusedIsNamed(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    try (WebSocketRelay relay = new WebSocketRelay(vertx, server.port(), false, null)) {
      Address wrongPath = Address.parse("ws://127.0.0.1:" + relay.port() + "/chat");
      Load load = new Load(settings(List.of(wrongPath), 4, "u", 1000, Duration.ofSeconds(1)), QUIET);
      try {
        assertThatThrownBy(load::throughput).hasMessageContaining("could not connect to " + wrongPath);
      } finally {
        load.abandon();
      }
      assertThat(relay.rejected.get()).isPositive();
    }
  }

  /** Every expected delivery made, none lost, doubled or garbled, and no errors. */
  private static void assertEverythingDelivered(Report report) {
    assertThat(report.toJson().getLong("expected")).isPositive();
    assertThat(report.toJson().getLong("delivered")).isEqualTo(report.toJson().getLong("expected"));
    assertThat(report.lost()).isZero();
    assertThat(report.duplicates()).isZero();
    assertThat(report.garbled()).isZero();
    assertThat(report.errors()).isZero();
  }
}
