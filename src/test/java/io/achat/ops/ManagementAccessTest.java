package io.achat.ops;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Tls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Who may reach the management server: by default only this machine (it listens on
 * {@code managementHost}, 127.0.0.1, while the chat listens on every address); {@code /metrics}
 * only with the bearer token when {@code managementToken} is set, probes always; HTTPS when the
 * chat port has TLS.
 */
@ExtendWith(VertxExtension.class)
class ManagementAccessTest {

  private static final String TOKEN = "s3cret-token-of-a-chat-1234";

  @Test
  void byDefaultOnlyThisMachineReachesTheManagementServer(Vertx vertx) throws Exception {
    Optional<InetAddress> outside = outsideAddress();
    assumeTrue(outside.isPresent(), "this machine has an address other than loopback");
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject()
      .put("host", "0.0.0.0").put("managementPort", -1));
    int managementPort = URI.create(server.managementUrl()).getPort();
    assertThat(server.managementUrl()).startsWith("http://127.0.0.1:");
    assertThat(get(server.managementUrl() + "/health", Map.of()).status()).isEqualTo(200);
    // The chat answers on the other address; the management server does not.
    try (Socket chat = new Socket()) {
      chat.connect(new InetSocketAddress(outside.get(), server.port()), 10_000);
    }
    try (Socket management = new Socket()) {
      assertThatThrownBy(() -> management.connect(new InetSocketAddress(outside.get(), managementPort), 10_000))
        .isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void withATokenMetricsAnswerOnlyToItAndProbesToAll(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject()
      .put("managementPort", -1).put("managementToken", TOKEN));
    try (LineClient alice = server.login("alice")) {
      String metrics = server.managementUrl() + "/metrics";
      Response none = get(metrics, Map.of());
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.headers().get("WWW-Authenticate")).startsWith("Bearer");
      assertThat(none.body()).doesNotContain("achat_");
      assertThat(get(metrics, Map.of("Authorization", "Bearer " + TOKEN + "x")).status()).isEqualTo(401);
      assertThat(get(metrics, Map.of("Authorization", "Bearer " + TOKEN.substring(1))).status()).isEqualTo(401);
      assertThat(get(metrics, Map.of("Authorization", TOKEN)).status()).isEqualTo(401);
      Response granted = get(metrics, Map.of("Authorization", "Bearer " + TOKEN));
      assertThat(granted.status()).isEqualTo(200);
      assertThat(granted.body()).contains("achat_connections_open 1");
      assertThat(get(server.managementUrl() + "/health", Map.of()).status()).isEqualTo(200);
      assertThat(get(server.managementUrl() + "/ready", Map.of()).status()).isEqualTo(200);
    }
  }

  @Test
  void withTlsOnTheChatPortTheManagementServerSpeaksHttpsOnly(Vertx vertx) throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("managementPort", -1)
      .put("tlsCertPath", certificate.certificatePath()).put("tlsKeyPath", certificate.privateKeyPath()));
    String url = server.managementUrl();
    assertThat(url).startsWith("https://127.0.0.1:");
    HttpsURLConnection https = (HttpsURLConnection) URI.create(url + "/health").toURL().openConnection();
    SSLContext tls = Tls.trusting(certificate.certificatePath());
    https.setSSLSocketFactory(tls.getSocketFactory());
    https.setHostnameVerifier((host, session) -> host.equals("127.0.0.1")); // the certificate names localhost
    https.setConnectTimeout(10_000);
    https.setReadTimeout(10_000);
    assertThat(https.getResponseCode()).isEqualTo(200);
    https.disconnect();
    // Plain HTTP to it gets no answer of the management server.
    assertThatThrownBy(() -> get(url.replaceFirst("^https", "http") + "/health", Map.of()))
      .isInstanceOf(IOException.class);
    // Nor does a client that does not trust the certificate.
    assertThatThrownBy(() -> {
      HttpsURLConnection untrusting = (HttpsURLConnection) URI.create(url + "/health").toURL().openConnection();
      untrusting.setConnectTimeout(10_000);
      untrusting.setReadTimeout(10_000);
      untrusting.getResponseCode();
    }).isInstanceOf(SSLException.class);
  }

  private record Response(int status, Map<String, String> headers, String body) {
  }

  /** A GET with the JDK's client, bounded in time. */
  private static Response get(String url, Map<String, String> headers) throws IOException {
    HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
    http.setConnectTimeout(10_000);
    http.setReadTimeout(10_000);
    headers.forEach(http::setRequestProperty);
    int status = http.getResponseCode();
    try (InputStream in = status < 400 ? http.getInputStream() : http.getErrorStream()) {
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      String challenge = http.getHeaderField("WWW-Authenticate");
      return new Response(status, challenge == null ? Map.of() : Map.of("WWW-Authenticate", challenge), body);
    }
  }

  /** An IPv4 address of this machine other than loopback, if it has one. */
  private static Optional<InetAddress> outsideAddress() throws IOException {
    return NetworkInterface.networkInterfaces()
      .filter(nic -> {
        try {
          return nic.isUp() && !nic.isLoopback();
        } catch (IOException e) {
          return false;
        }
      })
      .flatMap(NetworkInterface::inetAddresses)
      .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
      .findFirst();
  }
}
