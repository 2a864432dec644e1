package io.achat.server;

import io.achat.accounts.AccountsFile;
import io.achat.accounts.CheckLanes;
import io.achat.accounts.LoginGuard;
import io.achat.accounts.PasswordHash;
import io.achat.doors.Admission;
import io.achat.ops.PrometheusMeters;
import io.achat.bench.Guesses;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wrong passwords from ever new addresses (claimed through the PROXY protocol from loopback, as
 * a botnet or one host's IPv6 /64 gets them for free): the owner of the name still gets in from
 * where she logged in before, and guesses past a name's budget cost no hash.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class PasswordFloodTest {

  private static final String WRONG = "error: " + Accounts.WRONG;
  private static final String WAIT = "error: " + Accounts.NAME_THROTTLED;
  private static final String BUSY = "error: " + Accounts.BUSY;
  private static final String ALICE_HOME = "198.51.100.7";

  @TempDir
  Path dir;
  private Path file;

  @BeforeEach
  void accounts() throws Exception {
    file = dir.resolve("accounts");
    // Cheap for alice, so that her own check is quick; the guesses at names without an account
    // cost a full hash (PasswordHash.dummy), which is what makes a queue.
    AccountsFile.write(file, Map.of("alice", PasswordHash.of("alice's secret", 1000)));
  }

  private ChatServerFixture deploy(Vertx vertx) {
    return deploy(vertx, new JsonObject());
  }

  private ChatServerFixture deploy(Vertx vertx, JsonObject more) {
    return ChatServerFixture.deploy(vertx, new JsonObject().put("accountsFile", file.toString())
      .put("proxyProtocol", true).put("trustedProxies", "loopback").put("passwordCheckThreads", 1).mergeIn(more));
  }

  /** The i-th of ever new addresses (10.0.0.1, ...), none of them 198.51.100.0/24. */
  private static String fresh(int i) {
    return Guesses.fresh(i);
  }

  @Test
  void theOwnerGetsInFromHerFamiliarPlaceWhileGuessesAtHerNameComeFromEverNewAddresses(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx);
    assertThat(server.attempt(ALICE_HOME, "alice alice's secret")).isNull();
    AtomicInteger next = new AtomicInteger(1);
    List<CompletableFuture<List<String>>> flood = IntStream.range(0, 8).mapToObj(t -> Background.supply(() -> {
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 6; i++) { // each refused guess is answered a second late
        answers.add(server.attempt(fresh(next.getAndIncrement()), "alice guess" + i));
      }
      return answers;
    })).toList();
    try (LineClient watcher = server.proxied("192.0.2.50").named("watcher")) {
      watcher.send("watcher");
      watcher.sync();
      for (int round = 0; round < 5; round++) {
        long start = System.nanoTime();
        assertThat(server.attempt(ALICE_HOME, "alice alice's secret")).as("alice at home, round %d", round).isNull();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms to get in").isLessThan(3000);
        watcher.awaitGone("alice"); // her login is free again for the next round
      }
    }
    List<String> answers = new ArrayList<>();
    for (CompletableFuture<List<String>> thread : flood) {
      answers.addAll(thread.get(60, TimeUnit.SECONDS));
    }
    // Three attempts a minute from new places were heard, alice's first login among them (and one
    // more for every 20 s the flood lasted); the rest cost nothing.
    assertThat(answers).hasSize(48).containsOnly(WRONG, WAIT);
    long wrong = answers.stream().filter(WRONG::equals).count();
    assertThat(wrong).isBetween(LoginGuard.NAME_ATTEMPTS - 1L, LoginGuard.NAME_ATTEMPTS + 1L);
    String metrics = PrometheusMeters.of(vertx).scrape();
    assertThat(Prometheus.sample(metrics, "achat_logins_refused_total\\{reason=\"name_throttled\"}"))
      .as("guesses told to wait, counted").isEqualTo((double) (answers.size() - wrong));
    // From a new place alice is told to wait like anyone else, a second late (so that a connection
    // cannot ask faster), in the same words as for a name nobody registered.
    long asked = System.nanoTime();
    assertThat(server.attempt("198.51.100.99", "alice alice's secret")).isEqualTo(WAIT);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked)).as("ms until told to wait")
      .isGreaterThanOrEqualTo(Admission.THROTTLED_REFUSAL_MILLIS - 50);
    List<String> nobody = IntStream.range(0, LoginGuard.NAME_ATTEMPTS + 1)
      .mapToObj(i -> server.attempt(fresh(100_000 + i), "zed guess" + i)).toList();
    assertThat(nobody).containsExactly(WRONG, WRONG, WRONG, WAIT);
  }

  @Test
  void aCheckFromAFamiliarPlaceGoesBeforeEveryOtherWaiting(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx);
    assertThat(server.attempt(ALICE_HOME, "alice alice's secret")).isNull();
    // Guesses at 24 names nobody registered, each a full hash on the one thread: a queue of seconds.
    int spray = 24;
    AtomicInteger answered = new AtomicInteger();
    List<CompletableFuture<String>> guesses = IntStream.range(0, spray).mapToObj(i -> Background.supply(() -> {
      String answer = server.attempt(fresh(i + 1), "spray" + i + " guess");
      answered.incrementAndGet();
      return answer;
    })).toList();
    try (LineClient plain = server.proxied("192.0.2.50").named("plain")) {
      plain.send("plain");
      plain.sync(); // the guesses' connections were read by now, or come after alice's
    }
    long start = System.nanoTime();
    assertThat(server.attempt(ALICE_HOME, "alice alice's secret")).isNull();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(millis).as("ms for alice to get in past the queue").isLessThan(3000);
    assertThat(answered.get()).as("guesses answered before alice got in").isLessThan(spray / 2);
    List<String> answers = new ArrayList<>();
    for (CompletableFuture<String> guess : guesses) {
      answers.add(guess.get(90, TimeUnit.SECONDS));
    }
    // The newest first, the rest told the server is busy once they have waited 3 s.
    assertThat(answers).isSubsetOf(WRONG, BUSY).contains(WRONG);
  }

  @Test
  void failuresCountPerSlash64OfIpv6(Vertx vertx) {
    ChatServerFixture server = deploy(vertx);
    // Five failures from five addresses of one /64, each at another name.
    for (int i = 0; i < LoginGuard.ADDRESS_FAILURES; i++) {
      assertThat(server.attempt("2001:db8:1:2::" + (i + 1), "name" + i + " guess")).isEqualTo(WRONG);
    }
    assertThat(server.attempt("2001:db8:1:2:ffff::9", "alice alice's secret"))
      .isEqualTo("error: too many failed logins from your address; try again in a minute");
    assertThat(server.attempt("2001:db8:1:3::1", "alice alice's secret")).as("the next /64").isNull();
  }

  @Test
  void withIpv6PrefixBits48FailuresCountPerSlash48(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("ipv6PrefixBits", 48));
    for (int i = 0; i < LoginGuard.ADDRESS_FAILURES; i++) {
      assertThat(server.attempt("2001:db8:1:" + (i + 1) + "::1", "name" + i + " guess")).isEqualTo(WRONG);
    }
    assertThat(server.attempt("2001:db8:1:ff::1", "alice alice's secret"))
      .isEqualTo("error: too many failed logins from your address; try again in a minute");
    assertThat(server.attempt("2001:db8:2::1", "alice alice's secret")).as("the next /48").isNull();
  }

  @Test
  void pastSixtyFourWaitingTheOldestIsToldTheServerIsBusyAndNobodyWaitsMuchPastThreeSeconds(Vertx vertx)
    throws Exception {
    ChatServerFixture server = deploy(vertx);
    // One check running and 64 waiting fill the lane; guesses at names nobody registered, a full
    // hash each: a queue of about ten seconds if the pool took them all.
    List<CompletableFuture<Long>> guesses = IntStream.range(0, 70).mapToObj(i -> Background.supply(() -> {
      long start = System.nanoTime();
      String answer = server.attempt(fresh(i + 1), "crowd" + i + " guess");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      return WRONG.equals(answer) ? millis : BUSY.equals(answer) ? -millis : Long.MIN_VALUE;
    })).toList();
    List<Long> answers = new ArrayList<>();
    for (CompletableFuture<Long> guess : guesses) {
      answers.add(guess.get(110, TimeUnit.SECONDS));
    }
    assertThat(answers).as("ms to each answer: wrong positive, busy negative").doesNotContain(Long.MIN_VALUE);
    assertThat(answers.stream().filter(ms -> ms < 0).count()).as("told the server is busy")
      .isGreaterThanOrEqualTo(70 - 1 - CheckLanes.MAX_WAITING);
    assertThat(answers.stream().filter(ms -> ms > 0).count()).as("hashed").isPositive();
    // Those hashed started within 3 s; those refused heard it at 3 s, or a second after coming
    // when pushed out by newer ones.
    assertThat(answers.stream().mapToLong(Math::abs).max().orElseThrow()).as("ms to the slowest answer")
      .isLessThan(CheckLanes.MAX_WAIT_MILLIS + 2500);
  }

  @Test
  void theBenchsGuessesModeMeasuresTheSame(Vertx vertx) {
    ChatServerFixture server = deploy(vertx);
    BenchRun run = BenchRun.of("guesses", "--password", "alice's secret", "--guessers", "4", "--logins", "2",
      "--duration", "3", "127.0.0.1:" + server.port());
    assertThat(run.report()).contains("2 of 2 logged in").contains(WAIT).contains("chat round trip");
    assertThat(run.status()).isZero();
  }
}
