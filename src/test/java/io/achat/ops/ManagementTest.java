package io.achat.ops;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The management server over HTTP, on a Vert.x with its Micrometer metrics on (as the launcher
 * makes it): a-chat's meters count exactly the chat traffic sent, beside Vert.x's own.
 */
class ManagementTest {

  private Vertx vertx;
  private ChatServerFixture server;

  @BeforeEach
  void start() {
    // Event loops to spare: the one a test blocks is none of a-chat's nor the HTTP client's.
    vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(16).setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)))).build();
    server = ChatServerFixture.deploy(vertx, new JsonObject().put("managementPort", -1).put("maxLineLength", 1024));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void metricsCountTheTrafficSent() {
    // The registry of Vert.x's metrics is one per JVM: count what this test adds.
    String before = get("/metrics").body();
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob");
         LineClient carol = server.login("carol")) {
      for (int i = 0; i < 5; i++) {
        alice.send("bob, carol: hi " + i);
      }
      alice.send("nobody: are you there?");
      alice.send("nobody, ghost: and you?");
      assertThat(alice.sync()).hasSize(2);
      for (int i = 0; i < 5; i++) {
        assertThat(bob.readLine()).isEqualTo("from alice: hi " + i);
        assertThat(carol.readLine()).isEqualTo("from alice: hi " + i);
      }
      try (LineClient again = server.connect()) {
        again.send("alice");
        assertThat(again.readUntilClosed()).containsExactly("error: login 'alice' is taken");
      }
      try (LineClient bad = server.connect()) {
        bad.send("bad name");
        assertThat(bad.readUntilClosed()).hasSize(1);
      }
      try (LineClient dave = server.login("dave")) {
        dave.send("alice: " + "x".repeat(2000));
        assertThat(dave.readUntilClosed()).containsExactly("error: line longer than 1024 bytes");
      }
      alice.awaitGone("dave"); // one more message routed, one more 'not connected', at least

      String after = scrapeUntil("achat_connections_open", 3);
      // logins: alice, bob, carol, dave; each login's self-addressed sync is a routed, delivered message
      assertThat(delta(before, after, "achat_logins_accepted_total")).isEqualTo(4);
      assertThat(delta(before, after, "achat_logins_refused_total{reason=\"taken\"}")).isEqualTo(1);
      assertThat(delta(before, after, "achat_logins_refused_total{reason=\"invalid\"}")).isEqualTo(1);
      assertThat(delta(before, after, "achat_lines_too_long_total")).isEqualTo(1);
      long awaitGoneRounds = delta(before, after, "achat_not_connected_replies_total") - 2;
      assertThat(awaitGoneRounds).isPositive();
      // 4 login syncs + 5 to two + 2 to nobody + 1 sync + awaitGone's rounds (each a message and a sync)
      assertThat(delta(before, after, "achat_messages_routed_total")).isEqualTo(4 + 5 + 2 + 1 + 2 * awaitGoneRounds);
      assertThat(delta(before, after, "achat_deliveries_total")).isEqualTo(4 + 10 + 1 + awaitGoneRounds);
      assertThat(value(after, "achat_users_online")).isEqualTo(3);
      assertThat(value(after, "achat_slow_consumers_total")).isNotNull();
      assertThat(value(after, "achat_queued_bytes")).isNotNull();
      assertThat(delta(before, after, "achat_broker_event_seconds_count")).isPositive();
      assertThat(after).contains("achat_broker_event_seconds_bucket{le=");
      // Vert.x's own meters, from its Micrometer integration
      assertThat(after).contains("vertx_net_server_").contains("vertx_eventbus_");
    }
  }

  @Test
  void watchListsAndPresenceLinesAreCounted() {
    String before = get("/metrics").body();
    try (LineClient alice = server.login("alice")) {
      alice.send("/watch bob, carol, bob");
      assertThat(List.of(alice.readLine(), alice.readLine())).containsExactly("offline: bob", "offline: carol");
      try (LineClient bob = server.login("bob")) {
        assertThat(alice.readLine()).isEqualTo("online: bob");
      }
      assertThat(alice.readLine()).isEqualTo("offline: bob");
      String after = scrapeUntil("achat_watched_names", 2);
      assertThat(delta(before, after, "achat_presence_lines_total")).as("online: bob, offline: bob").isEqualTo(2);
    }
    scrapeUntil("achat_watched_names", 0);
  }

  @Test
  void healthAndReadinessAnswerJson() {
    Response health = get("/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("UP");
    try (LineClient alice = server.login("alice")) {
      Response ready = get("/ready");
      assertThat(ready.status()).isEqualTo(200);
      JsonObject body = new JsonObject(ready.body());
      assertThat(body.getString("status")).isEqualTo("READY");
      assertThat(body.getInteger("users")).isEqualTo(1);
    }
    assertThat(get("/nothing-here").status()).isEqualTo(404);
  }

  @Test
  void notReadyWhileAnEventLoopDoesNotAnswerWithinASecond() throws Exception {
    Context blocked = vertx.getOrCreateContext();
    LoopWatch.of(vertx).watch("a test's loop", blocked);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch holding = new CountDownLatch(1);
    try {
      blocked.runOnContext(v -> {
        holding.countDown();
        try {
          // Blocks the event loop on purpose: what a handler stuck in a blocking call does.
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
      Response ready = awaitReady(503);
      assertThat(new JsonObject(ready.body()).getString("eventLoops")).startsWith("not answering: a test's loop for ");
      assertThat(getOffLoop("/health").status()).as("the broker still answers").isEqualTo(200);
    } finally {
      release.countDown();
    }
    assertThat(new JsonObject(awaitReady(200).body()).containsKey("eventLoops")).isFalse();
    LoopWatch.of(vertx).forget(blocked);
  }

  /** Asks /ready until it answers {@code status}, for up to 10 s. */
  private Response awaitReady(int status) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Response ready = getOffLoop("/ready");
    while (ready.status() != status && System.nanoTime() < deadline) {
      ready = getOffLoop("/ready");
    }
    assertThat(ready.status()).as("/ready: %s", ready.body()).isEqualTo(status);
    return ready;
  }

  @Test
  void notReadyAndDownWithoutABroker() throws Exception {
    vertx.undeploy(server.deploymentId()).await(30, TimeUnit.SECONDS);
    // The management server went with a-chat; a lone one, without a broker, says so.
    ManagementVerticle lone = new ManagementVerticle();
    vertx.deployVerticle(lone, new DeploymentOptions()
      .setConfig(new JsonObject().put("host", "127.0.0.1").put("managementPort", -1).put("webPort", 0))).await(30, TimeUnit.SECONDS);
    Response ready = get(lone.url(), "/ready");
    assertThat(ready.status()).isEqualTo(503);
    assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("NOT_READY");
    assertThat(get(lone.url(), "/health").status()).isEqualTo(503);
  }

  private record Response(int status, String body) {
  }

  /** A GET off Vert.x's event loops: a Vert.x client called from the test's thread would take them in turn, a blocked one too. */
  private Response getOffLoop(String path) {
    return get(server.managementUrl(), path);
  }

  private Response get(String path) {
    return get(server.managementUrl(), path);
  }

  /** A GET with the JDK's client, bounded in time. */
  private Response get(String base, String path) {
    try {
      HttpURLConnection http = (HttpURLConnection) java.net.URI.create(base + path).toURL().openConnection();
      http.setConnectTimeout(10_000);
      http.setReadTimeout(10_000);
      try (InputStream in = http.getResponseCode() < 400 ? http.getInputStream() : http.getErrorStream()) {
        return new Response(http.getResponseCode(), in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(base + path, e);
    }
  }

  /** Scrapes until {@code gauge} reads {@code expected} (a socket's close is counted a moment after the client sees it). */
  private String scrapeUntil(String gauge, long expected) {
    String text = null;
    for (int i = 0; i < 1000; i++) {
      text = get("/metrics").body();
      Long value = value(text, gauge);
      if (value != null && value == expected) {
        return text;
      }
    }
    throw new AssertionError(gauge + " never read " + expected + ":\n" + text);
  }

  private static long delta(String before, String after, String series) {
    Long was = value(before, series);
    Long is = value(after, series);
    assertThat(is).as(series).isNotNull();
    return is - (was == null ? 0 : was);
  }

  /** The value of one series in Prometheus's text format, or {@code null}. */
  private static Long value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
    return m.find() ? Math.round(Double.parseDouble(m.group(1))) : null;
  }
}
