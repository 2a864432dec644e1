package io.achat;

import io.achat.support.JarProcess;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code a-chat client} processes talking through an {@code a-chat} server process. */
class ClientIT {

  private static JarProcess client(int port) {
    return JarProcess.start(Map.of(), List.of(), "client", "127.0.0.1:" + port);
  }

  @Test
  void twoClientProcessesTalkThroughTheServerAndExitZero() throws Exception {
    try (JarProcess server = JarProcess.server()) {
      int port = server.port();
      try (JarProcess bob = client(port); JarProcess alice = client(port)) {
        bob.stdin().write("bob\nbob: ready\n".getBytes(StandardCharsets.UTF_8));
        bob.stdin().flush();
        bob.await(Pattern.compile("^from bob: ready$"), 30);

        alice.stdin().write("alice\nbob: hello from another process\n".getBytes(StandardCharsets.UTF_8));
        alice.stdin().close();
        assertThat(alice.exitStatus(30)).isZero();

        bob.await(Pattern.compile("^from alice: hello from another process$"), 30);
        bob.stdin().close();
        assertThat(bob.exitStatus(30)).isZero();
      }
    }
  }

  @Test
  void clientProcessesTalkOverTlsWhenTheyTrustTheServersCertificate() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    String tls = "\"tlsCertPath\":\"" + certificate.certificatePath() + "\",\"tlsKeyPath\":\"" + certificate.privateKeyPath() + "\"";
    try (JarProcess server = JarProcess.server(tls)) {
      String target = "localhost:" + server.port();
      try (JarProcess bob = JarProcess.start(Map.of(), List.of(), "client", "--trust", certificate.certificatePath(), target);
           JarProcess alice = JarProcess.start(Map.of(), List.of(), "client", "--trust", certificate.certificatePath(), target);
           JarProcess eve = JarProcess.start(Map.of(), List.of(), "client", "--tls", target)) {
        bob.stdin().write("bob\nbob: ready\n".getBytes(StandardCharsets.UTF_8));
        bob.stdin().flush();
        bob.await(Pattern.compile("^from bob: ready$"), 30);
        alice.stdin().write("alice\nbob: hello over TLS\n".getBytes(StandardCharsets.UTF_8));
        alice.stdin().close();
        assertThat(alice.exitStatus(30)).isZero();
        bob.await(Pattern.compile("^from alice: hello over TLS$"), 30);
        bob.stdin().close();
        assertThat(bob.exitStatus(30)).isZero();
        // eve trusts only the JVM's authorities, which did not sign this certificate.
        assertThat(eve.exitStatus(30)).isNotZero();
      }
    }
  }

  @Test
  void aClientExitsZeroWhenTheServerShutsDown() throws Exception {
    try (JarProcess server = JarProcess.server(); JarProcess carol = client(server.port())) {
      carol.stdin().write("carol\ncarol: ready\n".getBytes(StandardCharsets.UTF_8));
      carol.stdin().flush();
      carol.await(Pattern.compile("^from carol: ready$"), 30);
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
      assertThat(carol.exitStatus(30)).isZero();
    }
  }

  @Test
  void aClientThatCannotConnectExitsNonZero() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    try (JarProcess client = client(closedPort)) {
      assertThat(client.exitStatus(30)).isNotZero();
      assertThat(client.output()).anyMatch(line -> line.contains("cannot connect"));
    }
  }
}
