package io.achat.server;

import io.achat.accounts.AccountsFile;
import io.achat.accounts.LoginGuard;
import io.achat.accounts.PasswordHash;
import io.achat.support.ChatServerFixture;
import io.achat.support.ChatSession;
import io.achat.support.LineClient;
import io.achat.support.Tls;
import io.achat.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registered names (accountsFile): a registered name needs its password, over TCP and WebSocket;
 * other names log in as without accounts unless accountsRequired; the file is read again while
 * the server runs; failures are limited per address; accountsOverTlsOnly.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class AccountsTest {

  private static final String WRONG = "error: wrong name or password";
  /** Cheap hashes: the tests check the rules, not the cost. */
  private static final int ITERATIONS = 1000;

  @TempDir
  Path dir;
  private Path file;

  @BeforeEach
  void accounts() throws Exception {
    file = dir.resolve("accounts");
    write(Map.of("alice", "alice's secret"));
  }

  private void write(Map<String, String> passwords) throws Exception {
    Map<String, PasswordHash> accounts = new LinkedHashMap<>();
    passwords.forEach((name, password) -> accounts.put(name, PasswordHash.of(password, ITERATIONS)));
    AccountsFile.write(file, accounts);
  }

  private ChatServerFixture deploy(Vertx vertx, JsonObject more) {
    return ChatServerFixture.deploy(vertx, new JsonObject().put("accountsFile", file.toString()).put("webPort", -1)
      .mergeIn(more));
  }

  /** Sends {@code line} as the login, then a line to {@code name}: null when accepted, else the error. */
  private static String login(ChatSession client, String line, String name) {
    client.send(line);
    client.send(name + ": mine?");
    String answer = client.readLine();
    if (("from " + name + ": mine?").equals(answer)) {
      return null;
    }
    return answer;
  }

  @Test
  void aRegisteredNameNeedsItsPasswordOverTcp(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    for (String line : new String[] {"alice", "alice alice's secretx", "alice alice's"}) {
      try (LineClient client = server.connect()) {
        assertThat(login(client, line, "alice")).as(line).isEqualTo(WRONG);
        assertThat(client.readUntilClosed()).isEmpty();
      }
    }
    try (LineClient alice = server.connect(); LineClient bob = server.connect()) {
      assertThat(login(alice, "alice alice's secret", "alice")).isNull();
      assertThat(login(bob, "bob", "bob")).as("a name without an account, as without accounts").isNull();
      bob.send("alice: hi");
      assertThat(alice.readLine()).isEqualTo("from bob: hi");
      // A password for a name without an account: the same words.
      try (LineClient carol = server.connect()) {
        assertThat(login(carol, "carol whatever", "carol")).isEqualTo(WRONG);
      }
      // Registered and taken: the password first, then the broker's answer.
      try (LineClient again = server.connect()) {
        assertThat(login(again, "alice alice's secret", "alice")).isEqualTo("error: login 'alice' is taken");
      }
    }
  }

  @Test
  void anAccountsFileThatCannotBeReadStopsTheStartNamingTheKey(Vertx vertx) throws Exception {
    java.nio.file.Files.writeString(file, "alice:not-a-hash\n");
    Throwable failure = vertx.deployVerticle(new io.achat.ChatVerticle(), new io.vertx.core.DeploymentOptions()
        .setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0).put("accountsFile", file.toString())))
      .transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())).await(30, TimeUnit.SECONDS);
    assertThat(failure).isNotNull();
    assertThat(failure.getMessage()).contains("'accountsFile' (ACHAT_ACCOUNTS_FILE)").contains("line 1 ('alice')")
      .doesNotContain("not-a-hash");
  }

  @Test
  void aRegisteredNameNeedsItsPasswordOverAWebSocket(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    try (WsClient wrong = WsClient.connect(vertx, server.webSocketUrl(), null)) {
      assertThat(login(wrong, "alice nope", "alice")).isEqualTo(WRONG);
    }
    try (WsClient alice = WsClient.connect(vertx, server.webSocketUrl(), null); LineClient bob = server.login("bob")) {
      assertThat(login(alice, "alice alice's secret", "alice")).isNull();
      bob.send("alice: over a WebSocket");
      assertThat(alice.readLine()).isEqualTo("from bob: over a WebSocket");
    }
  }

  @Test
  void withAccountsRequiredOnlyRegisteredNamesGetIn(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("accountsRequired", true));
    try (LineClient bob = server.connect()) {
      assertThat(login(bob, "bob", "bob"))
        .isEqualTo("error: this server admits registered names only: log in as 'name password'");
    }
    try (LineClient alice = server.connect()) {
      assertThat(login(alice, "alice alice's secret", "alice")).isNull();
    }
  }

  @Test
  void aChangedFileIsReadWithinSecondsWithoutARestart(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    write(Map.of("dave", "dave's secret"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try (LineClient dave = server.connect()) {
        String answer = login(dave, "dave", "dave");
        if (WRONG.equals(answer)) {
          break; // dave is registered now
        }
        // Not yet: dave got in without a password (or is still logged in from the round before).
        assertThat(answer).isIn(null, "error: login 'dave' is taken");
      }
      assertThat(System.nanoTime() - deadline).as("dave registered within 15 s").isNegative();
    }
    try (LineClient dave = server.connect(); LineClient alice = server.connect()) {
      assertThat(login(dave, "dave dave's secret", "dave")).isNull();
      assertThat(login(alice, "alice", "alice")).as("alice's account is gone with the old file").isNull();
    }
  }

  @Test
  void fiveFailuresFromAnAddressInAMinuteAndItIsRefusedEvenTheRightPassword(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    // Each guess at another name: a name's own budget (three a minute) is not what this crosses.
    for (int i = 0; i < LoginGuard.ADDRESS_FAILURES; i++) {
      try (LineClient guess = server.connect()) {
        assertThat(login(guess, "name" + i + " guess" + i, "name" + i)).isEqualTo(WRONG);
      }
    }
    try (LineClient alice = server.connect()) {
      assertThat(login(alice, "alice alice's secret", "alice"))
        .isEqualTo("error: too many failed logins from your address; try again in a minute");
    }
    try (LineClient bob = server.connect()) {
      assertThat(login(bob, "bob", "bob")).as("a name without a password is not held back").isNull();
    }
  }

  @Test
  void withAccountsOverTlsOnlyAPasswordOnAPlainConnectionIsRefused(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("accountsOverTlsOnly", true));
    try (LineClient plain = server.connect()) {
      assertThat(login(plain, "alice alice's secret", "alice")).isEqualTo("error: this server takes passwords over TLS only");
    }
    vertx.undeploy(server.deploymentId()).await(30, TimeUnit.SECONDS);
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    ChatServerFixture tls = deploy(vertx, new JsonObject().put("accountsOverTlsOnly", true)
      .put("tlsCertPath", certificate.certificatePath()).put("tlsKeyPath", certificate.privateKeyPath()));
    try (SSLSocket socket = (SSLSocket) Tls.trusting(certificate.certificatePath()).getSocketFactory()
      .createSocket("localhost", tls.port())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write("alice alice's secret\nalice: over TLS\n".getBytes(StandardCharsets.UTF_8));
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("from alice: over TLS");
    }
  }
}
