package io.achat.client;

import io.achat.support.ChatServerFixture;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code a-chat health} against a real management server, and against what is not one. */
@ExtendWith(VertxExtension.class)
class HealthCheckTest {

  @Test
  void healthyWhenTheServerIsReady(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("managementPort", -1));
    assertThat(HealthCheck.main(new String[] {server.managementUrl()})).isZero();
    assertThat(HealthCheck.main(new String[] {server.managementUrl().substring("http://".length())})).isZero();
  }

  @Test
  void theAddressComesFromTheConfigurationLayersGivenTheSameConf(Vertx vertx) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    String conf = new JsonObject().put("host", "127.0.0.1").put("managementPort", port).encode();
    ChatServerFixture.deploy(vertx, new JsonObject(conf));
    assertThat(HealthCheck.where(new String[] {"-conf", conf})).isEqualTo("http://127.0.0.1:" + port);
    assertThat(HealthCheck.main(new String[] {"-conf", conf})).isZero();
  }

  @Test
  void healthyOverHttpsWhenTheServerHasTls(Vertx vertx) {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("chat.example.com");
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("managementPort", -1)
      .put("tlsCertPath", certificate.certificatePath()).put("tlsKeyPath", certificate.privateKeyPath()));
    assertThat(server.managementUrl()).startsWith("https://");
    assertThat(HealthCheck.main(new String[] {server.managementUrl()})).isZero();
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
  void unhealthyWhenReadyAnswersAnythingButOk(Vertx vertx) throws Exception {
    HttpServer notReady = vertx.createHttpServer()
      .requestHandler(request -> request.response().setStatusCode(503).end("{\"status\":\"NOT_READY\"}"))
      .listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    assertThat(HealthCheck.main(new String[] {"127.0.0.1:" + notReady.actualPort()})).isEqualTo(1);
  }
}
