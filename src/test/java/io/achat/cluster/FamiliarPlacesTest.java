package io.achat.cluster;

import io.achat.accounts.AccountsFile;
import io.achat.accounts.LoginGuard;
import io.achat.accounts.PasswordHash;
import io.achat.bench.Address;
import io.achat.bench.Guesses;
import io.achat.support.ClusterFixture;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A place a name logged in from on one node is one of its familiar places on every node. */
@Timeout(120)
class FamiliarPlacesTest {

  private static final String HOME = "198.51.100.7";
  private static final String RIGHT = "alice alice's secret";

  @Test
  void whereAliceLoggedInOnOneNodeSheIsAtHomeOnTheOtherThoughGuessesSpentHerNamesBudgetThere(@TempDir Path dir)
    throws Exception {
    Path file = dir.resolve("accounts");
    AccountsFile.write(file, Map.of("alice", PasswordHash.of("alice's secret", 1000)));
    try (ClusterFixture cluster = ClusterFixture.start(2, new JsonObject().put("accountsFile", file.toString())
      .put("proxyProtocol", true).put("trustedProxies", "loopback"))) {
      Address first = new Address("127.0.0.1", cluster.node(0).port());
      Address second = new Address("127.0.0.1", cluster.node(1).port());
      assertThat(Guesses.attempt(first, HOME, RIGHT)).isNull();
      for (int i = 1; i <= LoginGuard.NAME_ATTEMPTS; i++) {
        assertThat(Guesses.attempt(second, Guesses.fresh(i), "alice guess" + i))
          .isEqualTo("error: wrong name or password");
      }
      assertThat(Guesses.attempt(second, Guesses.fresh(100), "alice guess"))
        .isEqualTo("error: too many login attempts for this name; try again in a minute");
      // From home she gets in on the second node too, once the first has given her login back.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String answer = Guesses.attempt(second, HOME, RIGHT);
      while (answer != null && answer.endsWith("is taken") && System.nanoTime() < deadline) {
        answer = Guesses.attempt(second, HOME, RIGHT); // each try a round trip to the cluster, bounded above
      }
      assertThat(answer).as("alice from home on the second node").isNull();
    }
  }
}
