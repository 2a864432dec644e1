package io.achat.client;

import io.achat.support.ChatServerFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class HealthCheckTest {

  @Test
  void healthyWhenTheServerRoutesTheProbesMessage(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx);
    assertThat(HealthCheck.main(new String[] {"127.0.0.1:" + server.port()})).isZero();
  }

  @Test
  void theProbeFitsShortLoginLimits(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxLoginLength", 7));
    assertThat(HealthCheck.main(new String[] {"127.0.0.1:" + server.port()})).isZero();
  }

  @Test
  void unhealthyWhenNothingListens() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    assertThat(HealthCheck.main(new String[] {"127.0.0.1:" + closedPort})).isEqualTo(1);
  }

  @Test
  void unhealthyWhenTheServerDoesNotSpeakTheProtocol() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      Thread acceptor = new Thread(() -> {
        try (var socket = silent.accept()) {
          socket.getOutputStream().write("hello, I am something else\n".getBytes());
          socket.getInputStream().read();
        } catch (Exception ignored) {
          // the probe hung up
        }
      });
      acceptor.start();
      assertThat(HealthCheck.main(new String[] {"127.0.0.1:" + silent.getLocalPort()})).isEqualTo(1);
      acceptor.join(10_000);
    }
  }
}
