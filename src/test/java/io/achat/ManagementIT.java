package io.achat;

import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The management server of the real jar: metrics on by default, probes that log nothing, `a-chat health`. */
class ManagementIT {

  private static final Pattern MANAGEMENT = Pattern.compile("management \\(metrics, health\\) on (http://\\S+)");

  @Test
  void theJarServesMetricsAndProbesWithoutALogLine(@TempDir Path tmp) throws Exception {
    // Its own temporary folder: the server writes its management URL there for `a-chat health`.
    try (JarProcess server = JarProcess.start(Map.of("ACHAT_HOST", "127.0.0.1", "ACHAT_PORT", "0"),
      List.of("-Djava.io.tmpdir=" + tmp))) {
      int port = server.port();
      String url = server.output().stream().map(MANAGEMENT::matcher).filter(java.util.regex.Matcher::find)
        .map(m -> m.group(1)).findFirst().orElseThrow();
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice");
           LineClient bob = LineClient.login("127.0.0.1", port, "bob")) {
        alice.send("bob: hello");
        assertThat(bob.readLine()).isEqualTo("from alice: hello");
        String metrics = get(url + "/metrics");
        assertThat(metrics).contains("achat_users_online 2.0").contains("achat_logins_accepted_total 2.0")
          .contains("vertx_net_server_").contains("jvm_memory_used_bytes")
          // the event bus carries a-chat's own events: its meters cost a lookup per message and say nothing more
          .doesNotContain("vertx_eventbus_");

        int lines = server.output().size();
        for (int i = 0; i < 20; i++) {
          assertThat(get(url + "/health")).contains("\"status\":\"UP\"");
          assertThat(get(url + "/ready")).contains("\"status\":\"READY\"");
        }
        // What the server wrote for `a-chat health`, and the command itself, as the image runs it.
        assertThat(Files.readString(tmp.resolve("a-chat.management")).trim()).isEqualTo(url);
        Process health = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
          "-Djava.io.tmpdir=" + tmp, "-jar", JarProcess.jar().toString(), "health").redirectErrorStream(true).start();
        assertThat(health.waitFor()).as(new String(health.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .isZero();
        assertThat(server.output().size()).as("log lines written while probed").isEqualTo(lines);
      }
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
      assertThat(tmp.resolve("a-chat.management")).doesNotExist();
    }
  }

  @Test
  void managementPortZeroTurnsItOff() throws Exception {
    try (JarProcess server = JarProcess.start(Map.of("ACHAT_HOST", "127.0.0.1", "ACHAT_PORT", "0",
      "ACHAT_MANAGEMENT_PORT", "0"), List.of())) {
      server.port();
      assertThat(server.output()).noneMatch(line -> MANAGEMENT.matcher(line).find());
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  private static String get(String url) throws IOException {
    HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
    try (InputStream in = http.getResponseCode() < 400 ? http.getInputStream() : http.getErrorStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
