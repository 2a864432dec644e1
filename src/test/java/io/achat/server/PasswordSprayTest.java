package io.achat.server;

import io.achat.accounts.AccountsFile;
import io.achat.accounts.PasswordHash;
import io.achat.bench.Guesses;
import io.achat.ops.PrometheusMeters;
import io.achat.support.Background;
import io.achat.support.BenchRun;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Prometheus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wrong passwords sprayed over a thousand registered names, a few each, from ever new addresses
 * (claimed through the PROXY protocol from loopback): the owners of names nobody guesses at get
 * in from new places, and the hashing stays on its one thread.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class PasswordSprayTest {

  private static final String RIGHT = "open sesame";
  private static final String WRONG = "error: " + Accounts.WRONG;
  private static final String BUSY = "error: " + Accounts.BUSY;
  private static final int NAMES = 1000;

  @TempDir
  Path dir;
  private ChatServerFixture server;

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    // Every name the same full-cost hash (one to compute): each guess costs the pool a real check.
    PasswordHash hash = PasswordHash.of(RIGHT, PasswordHash.DEFAULT_ITERATIONS);
    Map<String, PasswordHash> accounts = new HashMap<>();
    for (int i = 0; i < NAMES; i++) {
      accounts.put("user" + i, hash);
    }
    for (String owner : List.of("bob", "carol")) {
      accounts.put(owner, hash);
    }
    Path file = dir.resolve("accounts");
    AccountsFile.write(file, accounts);
    server = ChatServerFixture.deploy(vertx, new JsonObject().put("accountsFile", file.toString())
      .put("proxyProtocol", true).put("trustedProxies", "loopback").put("passwordCheckThreads", 1));
  }

  private String attempt(String client, String line) {
    return server.attempt(client, line);
  }

  /** Milliseconds for {@code name}'s owner to log in from {@code client}, asserting that she does. */
  private long logsIn(String client, String name) {
    long start = System.nanoTime();
    assertThat(attempt(client, name + " " + RIGHT)).as("%s from %s", name, client).isNull();
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static double waiting(Vertx vertx) {
    return Prometheus.sample(PrometheusMeters.of(vertx).scrape(), "achat_password_checks_waiting");
  }

  /** Waits, at most 30 s, until at least {@code checks} password checks wait for the pool. */
  private static void awaitWaiting(Vertx vertx, int checks) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (waiting(vertx) < checks && System.nanoTime() < deadline) {
      vertx.timer(20, TimeUnit.MILLISECONDS).await(30, TimeUnit.SECONDS); // a poll, bounded by the deadline
    }
    assertThat(waiting(vertx)).as("checks waiting").isGreaterThanOrEqualTo(checks);
  }

  @Test
  void anOwnerWhoLoggedInBeforeGetsInFromEveryNewPlaceAtOnceWhileTheSprayKeepsThePoolBusy(Vertx vertx)
    throws Exception {
    logsIn("198.51.100.7", "bob");
    AtomicBoolean spraying = new AtomicBoolean(true);
    AtomicInteger next = new AtomicInteger();
    List<CompletableFuture<List<String>>> spray = IntStream.range(0, 48).mapToObj(t -> Background.supply(() -> {
      List<String> answers = new ArrayList<>();
      while (spraying.get()) {
        int n = next.incrementAndGet();
        answers.add(attempt(Guesses.fresh(n), "user" + n % NAMES + " guess" + n));
      }
      return answers;
    })).toList();
    try (LineClient watcher = server.proxied("192.0.2.50").named("watcher")) {
      watcher.send("watcher");
      watcher.sync();
      awaitWaiting(vertx, 16); // a queue of seconds: more than 3 s for a check that waited its turn
      for (int i = 1; i <= 5; i++) {
        assertThat(logsIn("172.16.0." + i, "bob")).as("ms for bob to get in from a new place").isLessThan(3000);
        assertThat(waiting(vertx)).as("the spray still queued").isPositive();
        watcher.awaitGone("bob"); // his login is free again for the next one
      }
      // His wrong password is known as fast, and told no sooner than a hashed one would be.
      long start = System.nanoTime();
      assertThat(attempt("172.16.1.1", "bob not my password")).isEqualTo(WRONG);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms until told")
        .isBetween(950L, 3000L);
    } finally {
      spraying.set(false);
    }
    List<String> answers = new ArrayList<>();
    for (CompletableFuture<List<String>> thread : spray) {
      answers.addAll(thread.get(60, TimeUnit.SECONDS));
    }
    assertThat(answers).isSubsetOf(WRONG, BUSY).contains(WRONG);
    String metrics = PrometheusMeters.of(vertx).scrape();
    assertThat(Prometheus.sample(metrics, "achat_password_checks_total\\{by=\"memory\"}"))
      .as("bob's passwords known without a hash: five right, one wrong").isEqualTo(6.0);
    assertThat(Prometheus.sample(metrics, "achat_password_checks_total\\{by=\"hash\"}"))
      .as("hashed: bob's first login and the spray's wrong ones").isEqualTo(1.0 + answers.stream().filter(WRONG::equals).count());
    assertThat(Prometheus.sample(metrics, "achat_logins_refused_total\\{reason=\"unavailable\"}"))
      .as("guesses told the server is busy, counted").isEqualTo((double) answers.stream().filter(BUSY::equals).count());
  }

  @Test
  void theFirstAttemptAtANameGoesAheadOfTheGuessesWaitingNewestFirst(Vertx vertx) throws Exception {
    // 32 guesses, one at each of 32 names: the pool's one thread takes about 5 s for them all.
    List<CompletableFuture<String>> guesses = IntStream.range(0, 32).mapToObj(i -> Background.supply(() ->
      attempt(Guesses.fresh(i + 1), "user" + i + " guess"))).toList();
    awaitWaiting(vertx, 24);
    // carol has not logged in here before, and nobody has tried her name: her check is the
    // newest of its lane, and the next one the thread takes.
    assertThat(logsIn("203.0.113.9", "carol")).as("ms for carol to get in").isLessThan(3000);
    assertThat(waiting(vertx)).as("guesses still waiting behind her").isPositive();
    for (CompletableFuture<String> guess : guesses) {
      assertThat(guess.get(60, TimeUnit.SECONDS)).isIn(WRONG, BUSY);
    }
  }

  @Test
  void theBenchsSprayModeMeasuresTheSame() {
    // Guesses at user0 to user997; the owners of user998 and user999 log in from new places.
    BenchRun run = BenchRun.of("guesses", "--name", "user", "--spray", String.valueOf(NAMES - 2), "--password", RIGHT,
      "--guessers", "8", "--logins", "2", "--duration", "3", "127.0.0.1:" + server.port());
    assertThat(run.report()).contains("at 998 names in turn (user0 to user997)").contains("2 of 2 logged in")
      .contains(WRONG).contains("chat round trip");
    assertThat(run.status()).isZero();
  }
}
