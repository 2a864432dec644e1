package io.achat;

import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code a-chat account} manages the accounts file that a server started by {@code java -jar}
 * reads; and nothing the server logs or serves, in a whole run of right and wrong passwords,
 * holds a password or a hash.
 */
@Timeout(180)
class AccountsIT {

  private static final String SECRET = "correct horse battery staple";
  private static final String GUESS = "Tr0ub4dor&3-guess";

  @TempDir
  Path dir;

  @Test
  void accountsAreManagedFromTheCommandLineAndNoPasswordOrHashIsEverLogged() throws Exception {
    Path file = dir.resolve("accounts");
    assertThat(account(SECRET + "\n", "add", "alice", "--file", file.toString())).isZero();
    assertThat(account("short\n", "add", "bob", "--file", file.toString())).isEqualTo(1);
    assertThat(account(GUESS + "\n", "add", "carol", "--file", file.toString())).isZero();
    assertThat(account("", "remove", "carol", "--file", file.toString())).isZero();
    try (JarProcess list = JarProcess.start(Map.of(), List.of(), "account", "list", "--file", file.toString())) {
      assertThat(list.exitStatus(60)).isZero();
      assertThat(list.output()).containsExactly("alice");
    }
    String stored = Files.readString(file);
    assertThat(stored).contains("alice:pbkdf2-sha256$600000$").doesNotContain(SECRET).doesNotContain("carol");

    try (JarProcess server = JarProcess.server("\"accountsFile\":\"" + file + "\"")) {
      for (String line : List.of("alice", "alice " + GUESS, "alice " + SECRET.toUpperCase(), "nobody " + SECRET)) {
        try (LineClient client = LineClient.connect("127.0.0.1", server.port())) {
          client.send(line);
          assertThat(client.readUntilClosed()).containsExactly("error: wrong name or password");
        }
      }
      try (LineClient alice = LineClient.connect("127.0.0.1", server.port())) {
        alice.send("alice " + SECRET);
        alice.send("alice: in");
        assertThat(alice.readLine()).isEqualTo("from alice: in");
      }
      String metrics = server.management("/metrics");
      assertThat(metrics).contains("achat_logins_refused_total{reason=\"password\"} 4.0");
      List<String> log = server.output();
      assertThat(log).anyMatch(l -> l.contains("refused as 'alice': wrong name or password"));
      String hash = stored.substring(stored.indexOf("pbkdf2"));
      for (String secret : List.of(SECRET, SECRET.toUpperCase(), GUESS, "pbkdf2", hash.substring(0, 40))) {
        assertThat(log).as("the server's log").noneMatch(l -> l.contains(secret));
        assertThat(metrics).as("/metrics").doesNotContain(secret);
      }
    }
  }

  /** {@code a-chat account ARGS} with {@code input} on its standard input: its exit status. */
  private static int account(String input, String... args) throws IOException, InterruptedException {
    String[] all = new String[args.length + 1];
    all[0] = "account";
    System.arraycopy(args, 0, all, 1, args.length);
    try (JarProcess command = JarProcess.start(Map.of(), List.of(), all)) {
      try (OutputStream in = command.stdin()) {
        in.write(input.getBytes(StandardCharsets.UTF_8));
      }
      int status = command.exitStatus(60);
      System.out.println("account " + String.join(" ", args) + ": " + command.output());
      return status;
    }
  }
}
