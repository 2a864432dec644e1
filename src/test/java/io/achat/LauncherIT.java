package io.achat;

import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line of the jar: launcher options, -conf files, environment variables. */
class LauncherIT {

  @Test
  void environmentVariablesAndInstancesConfigureTheServer() throws Exception {
    Map<String, String> env = Map.of("ACHAT_HOST", "127.0.0.1", "ACHAT_PORT", "0", "ACHAT_MAX_LOGIN_LENGTH", "5");
    try (JarProcess server = JarProcess.start(env, List.of(), "-instances", "3")) {
      int port = server.port();
      assertThat(server.output()).anyMatch(line -> line.contains("instances=3") && line.contains("maxLoginLength=5"));
      try (LineClient tooLong = LineClient.connect("127.0.0.1", port); LineClient ok = LineClient.login("127.0.0.1", port, "bob")) {
        tooLong.send("abcdef");
        assertThat(tooLong.readUntilClosed()).containsExactly("error: login is longer than 5 characters");
      }
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  @Test
  void aConfFileIsRead(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("a-chat.json");
    Files.writeString(conf, "{\"host\":\"127.0.0.1\",\"port\":0,\"maxLineLength\":100}");
    try (JarProcess server = JarProcess.start(Map.of(), List.of(), "-conf", conf.toString())) {
      int port = server.port();
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice")) {
        alice.send("alice: " + "x".repeat(100));
        assertThat(alice.readUntilClosed()).containsExactly("error: line longer than 100 bytes");
      }
    }
  }

  @Test
  void aBadValueStopsTheStartNamingTheKey() throws Exception {
    Map<String, String> env = Map.of("ACHAT_HOST", "127.0.0.1", "ACHAT_MAX_LINE_LENGTH", "lots");
    try (JarProcess server = JarProcess.start(env, List.of())) {
      assertThat(server.exitStatus(60)).isNotZero();
      server.await(Pattern.compile("'maxLineLength' \\(ACHAT_MAX_LINE_LENGTH\\) must be an integer, not 'lots'"), 5);
    }
  }
}
