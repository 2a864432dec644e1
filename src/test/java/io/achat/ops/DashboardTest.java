package io.achat.ops;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard in monitoring/ asks only for metrics the server really exports: every
 * metric its queries name appears in a scrape of a server that has seen some chat traffic.
 */
class DashboardTest {

  private static final Path DASHBOARD = Path.of("monitoring/grafana/a-chat-dashboard.json");
  /** Metric names in PromQL: the families servers export. Prometheus's own {@code up} is not the server's. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:achat|vertx|jvm|process|system)_[a-zA-Z0-9_]+)");

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      .setJvmMetricsEnabled(true).setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)))).build();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void everyMetricTheDashboardQueriesIsExported() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    List<String> queries = new ArrayList<>();
    collectQueries(dashboard, queries);
    assertThat(queries).as("queries in %s", DASHBOARD).isNotEmpty();
    Set<String> named = new TreeSet<>();
    for (String query : queries) {
      Matcher m = METRIC.matcher(query);
      while (m.find()) {
        named.add(m.group(1));
      }
    }
    assertThat(named).as("metrics the dashboard names").contains("achat_users_online", "achat_messages_routed_total",
      "achat_deliveries_total", "achat_logins_refused_total", "achat_clients_evicted_total",
      "achat_broker_event_seconds_bucket");

    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("managementPort", -1));
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.send("bob: hello");
      assertThat(bob.readLine()).isEqualTo("from alice: hello");
      String scrape = get(server.managementUrl() + "/metrics");
      Set<String> exported = new TreeSet<>();
      Matcher series = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[ {]").matcher(scrape);
      while (series.find()) {
        exported.add(series.group(1));
      }
      assertThat(exported).as("series the server exports").containsAll(named);
    }
  }

  /** Every {@code expr} of every panel target, however deeply nested (rows hold panels too). */
  private static void collectQueries(Object node, List<String> queries) {
    if (node instanceof JsonObject object) {
      object.forEach(entry -> {
        if (entry.getKey().equals("expr") && entry.getValue() instanceof String expr) {
          queries.add(expr);
        } else {
          collectQueries(entry.getValue(), queries);
        }
      });
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> collectQueries(item, queries));
    }
  }

  private static String get(String url) throws IOException {
    HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
    try (InputStream in = http.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
