package io.achat.server;

import io.achat.support.Background;
import io.achat.client.ChatClient;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.LineSink;
import io.achat.support.Tls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS from configuration, with a certificate made for the test; the bundled client speaks it. */
@ExtendWith(VertxExtension.class)
class TlsTest {

  private SelfSignedCertificate certificate;
  private ChatServerFixture server;

  @BeforeEach
  void deploy(Vertx vertx) {
    certificate = SelfSignedCertificate.create("localhost");
    server = ChatServerFixture.deploy(vertx, new JsonObject()
      .put("tlsCertPath", certificate.certificatePath())
      .put("tlsKeyPath", certificate.privateKeyPath()));
  }

  private NetClientOptions trusting() {
    return new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
      .setTrustOptions(new PemTrustOptions().addCertPath(certificate.certificatePath()));
  }

  @Test
  void clientsThatTrustTheCertificateChatOverTls() throws Exception {
    PipedOutputStream keyboard = new PipedOutputStream();
    LineSink screen = new LineSink();
    ChatClient bob = new ChatClient(new PipedInputStream(keyboard, 4096), new PrintStream(screen, true),
      new PrintStream(new ByteArrayOutputStream()), trusting());
    CompletableFuture<Integer> bobStatus = Background.supply(() -> bob.run("localhost", server.port()));
    keyboard.write("bob\nbob: ready\n".getBytes(StandardCharsets.UTF_8));
    keyboard.flush();
    assertThat(screen.next()).isEqualTo("from bob: ready");

    ChatClient alice = new ChatClient(new ByteArrayInputStream("alice\nbob: over TLS\n".getBytes(StandardCharsets.UTF_8)),
      new PrintStream(new LineSink(), true), new PrintStream(new ByteArrayOutputStream()), trusting());
    assertThat(alice.run("localhost", server.port())).isEqualTo(ChatClient.OK);
    assertThat(screen.next()).isEqualTo("from alice: over TLS");
    keyboard.close();
    assertThat(bobStatus.get(30, TimeUnit.SECONDS)).isEqualTo(ChatClient.OK);
  }

  @Test
  void anIdleTlsClientIsNotTakenForOneThatDoesNotRead() throws Exception {
    // The heartbeat's empty writes pass through TLS as nothing, and keep the idle timer quiet.
    SSLContext tls = Tls.trusting(certificate.certificatePath());
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port())) {
      socket.setSoTimeout(20_000);
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      socket.getOutputStream().write("carol\ncarol: in\n".getBytes(StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("from carol: in");
      // Three times the stall timeout (stallTimeoutMillis, 1500 by default) with nothing to read or send.
      socket.setSoTimeout(3 * 1500);
      assertThatThrownBy(in::readLine).isInstanceOf(SocketTimeoutException.class);
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write("carol: still in\n".getBytes(StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("from carol: still in");
    }
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateFailsWithNonZeroStatus() {
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    ChatClient client = new ChatClient(new ByteArrayInputStream("mallory\n".getBytes(StandardCharsets.UTF_8)),
      new PrintStream(new LineSink(), true), new PrintStream(errors, true),
      new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS"));
    assertThat(client.run("localhost", server.port())).isEqualTo(ChatClient.BROKEN);
    assertThat(errors.toString(StandardCharsets.UTF_8)).contains("cannot connect");
  }

  @Test
  void plainTextGetsNothingFromATlsServer() {
    try (LineClient plain = server.connect()) {
      plain.send("eve");
      plain.send("eve: hello?");
      assertThat(plain.readUntilClosed()).noneMatch(line -> line.contains("from eve"));
    }
  }
}
