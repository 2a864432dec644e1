package io.achat.accounts;

import io.achat.accounts.LoginGuard.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Who may have a password checked, with a clock the test moves. */
@Timeout(30)
class LoginGuardTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final LoginGuard guard = new LoginGuard(now::get, 100);

  private void advance(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void aNameGetsThreeAttemptsAMinuteFromUnfamiliarPlacesThenOneEveryTwentySeconds() {
    assertThat(guard.admit("alice", "203.0.113.0")).isEqualTo(Verdict.QUIET);
    for (int i = 1; i < LoginGuard.NAME_ATTEMPTS; i++) {
      assertThat(guard.admit("alice", "203.0.113." + i)).isEqualTo(Verdict.UNFAMILIAR);
    }
    assertThat(guard.admit("alice", "203.0.113.100")).isEqualTo(Verdict.NAME_THROTTLED);
    assertThat(guard.admit("bob", "203.0.113.100")).as("another name has a budget of its own")
      .isEqualTo(Verdict.QUIET);
    advance(19);
    assertThat(guard.admit("alice", "203.0.113.101")).isEqualTo(Verdict.NAME_THROTTLED);
    advance(1);
    assertThat(guard.admit("alice", "203.0.113.102")).isEqualTo(Verdict.UNFAMILIAR);
    assertThat(guard.admit("alice", "203.0.113.103")).isEqualTo(Verdict.NAME_THROTTLED);
    advance(60);
    for (int i = 0; i < LoginGuard.NAME_ATTEMPTS; i++) {
      assertThat(guard.admit("alice", "198.51.100." + i)).as("a full bucket holds three, no more")
        .isEqualTo(Verdict.UNFAMILIAR);
    }
    assertThat(guard.admit("alice", "198.51.100.200")).isEqualTo(Verdict.NAME_THROTTLED);
  }

  @Test
  void aNamesFirstAttemptInTenMinutesIsQuietAndEveryAttemptHeardOrNotEndsTheQuiet() {
    assertThat(guard.admit("alice", "203.0.113.1")).isEqualTo(Verdict.QUIET);
    assertThat(guard.admit("alice", "203.0.113.2")).isEqualTo(Verdict.UNFAMILIAR);
    advance(TimeUnit.MINUTES.toSeconds(LoginGuard.QUIET_MINUTES) - 1);
    assertThat(guard.admit("alice", "203.0.113.3")).as("tried 1 s short of ten minutes ago")
      .isEqualTo(Verdict.UNFAMILIAR);
    advance(TimeUnit.MINUTES.toSeconds(LoginGuard.QUIET_MINUTES));
    assertThat(guard.admit("alice", "203.0.113.4")).isEqualTo(Verdict.QUIET);
    for (int i = 0; i < 10; i++) { // past the budget: told to wait, and still tried
      guard.admit("alice", "203.0.113.10" + i);
    }
    advance(TimeUnit.MINUTES.toSeconds(LoginGuard.QUIET_MINUTES) - 1);
    assertThat(guard.admit("alice", "203.0.113.5")).as("a refused attempt keeps the name from being quiet")
      .isEqualTo(Verdict.UNFAMILIAR);
    guard.succeeded("bob", "198.51.100.7");
    assertThat(guard.admit("bob", "198.51.100.7")).as("a familiar place is not counted").isEqualTo(Verdict.FAMILIAR);
    assertThat(guard.admit("bob", "203.0.113.1")).isEqualTo(Verdict.QUIET);
  }

  @Test
  void aRightPasswordFromANewPlaceMakesTheNamesBudgetWholeFromAFamiliarOneOrAnotherNodesNot() {
    for (int i = 0; i < LoginGuard.NAME_ATTEMPTS; i++) {
      guard.admit("alice", "203.0.113." + i);
    }
    assertThat(guard.admit("alice", "203.0.113.50")).isEqualTo(Verdict.NAME_THROTTLED);
    guard.atHome("alice", "198.51.100.7");
    assertThat(guard.admit("alice", "198.51.100.7")).isEqualTo(Verdict.FAMILIAR);
    assertThat(guard.admit("alice", "203.0.113.51")).as("told of a place, the budget stays spent")
      .isEqualTo(Verdict.NAME_THROTTLED);
    guard.succeeded("alice", "198.51.100.7");
    assertThat(guard.admit("alice", "203.0.113.52")).as("right from a familiar place: the budget stays spent")
      .isEqualTo(Verdict.NAME_THROTTLED);
    guard.succeeded("alice", "192.0.2.9");
    assertThat(guard.admit("alice", "203.0.113.53")).as("right from a new place: the owner is there")
      .isEqualTo(Verdict.QUIET);
    assertThat(guard.admit("alice", "203.0.113.54")).isEqualTo(Verdict.UNFAMILIAR);
  }

  @Test
  void fromAPlaceItLoggedInFromANameIsAtHomeWhateverItsBudget() {
    guard.succeeded("alice", "198.51.100.7");
    for (int i = 0; i < 10; i++) {
      assertThat(guard.admit("alice", "203.0.113." + i)).isIn(Verdict.QUIET, Verdict.UNFAMILIAR, Verdict.NAME_THROTTLED);
    }
    assertThat(guard.admit("alice", "203.0.113.99")).isEqualTo(Verdict.NAME_THROTTLED);
    for (int i = 0; i < 10; i++) {
      assertThat(guard.admit("alice", "198.51.100.7")).isEqualTo(Verdict.FAMILIAR);
    }
    assertThat(guard.admit("bob", "198.51.100.7")).as("a place is familiar to the name that logged in there")
      .isEqualTo(Verdict.QUIET);
  }

  @Test
  void anAddressWithFiveFailuresIsNotHeardForTheRestOfItsMinuteFamiliarOrNot() {
    guard.succeeded("alice", "198.51.100.7");
    for (int i = 0; i < LoginGuard.ADDRESS_FAILURES; i++) {
      assertThat(guard.admit("alice", "198.51.100.7")).isEqualTo(Verdict.FAMILIAR);
      guard.failed("198.51.100.7");
    }
    assertThat(guard.admit("alice", "198.51.100.7")).isEqualTo(Verdict.ADDRESS_THROTTLED);
    assertThat(guard.admit("bob", "198.51.100.7")).isEqualTo(Verdict.ADDRESS_THROTTLED);
    advance(59);
    assertThat(guard.admit("alice", "198.51.100.7")).isEqualTo(Verdict.ADDRESS_THROTTLED);
    advance(1);
    assertThat(guard.admit("alice", "198.51.100.7")).isEqualTo(Verdict.FAMILIAR);
  }

  @Test
  void aNameKeepsItsLastEightPlaces() {
    for (int i = 0; i < LoginGuard.FAMILIAR_PER_NAME + 1; i++) {
      guard.succeeded("alice", "198.51.100." + i);
    }
    guard.succeeded("alice", "198.51.100.1"); // seen again: the latest now
    guard.succeeded("alice", "198.51.100.100");
    assertThat(guard.admit("alice", "198.51.100.0")).isEqualTo(Verdict.QUIET);
    assertThat(guard.admit("alice", "198.51.100.2")).isEqualTo(Verdict.UNFAMILIAR);
    assertThat(guard.admit("alice", "198.51.100.1")).isEqualTo(Verdict.FAMILIAR);
    assertThat(guard.admit("alice", "198.51.100.8")).isEqualTo(Verdict.FAMILIAR);
    assertThat(guard.admit("alice", "198.51.100.100")).isEqualTo(Verdict.FAMILIAR);
    assertThat(guard.places("alice")).hasSize(LoginGuard.FAMILIAR_PER_NAME)
      .endsWith("198.51.100.1", "198.51.100.100").doesNotContain("198.51.100.0", "198.51.100.2");
    assertThat(guard.familiar("alice", "198.51.100.8")).isTrue();
    assertThat(guard.familiar("bob", "198.51.100.8")).isFalse();
  }

  @Test
  void aFloodOfNewNamesAndAddressesCannotGrowWhatItRemembers() {
    for (int i = 0; i < 10_000; i++) {
      guard.admit("name" + i, "10.0." + (i / 256) + "." + (i % 256));
      guard.failed("10.1." + (i / 256) + "." + (i % 256));
      guard.succeeded("name" + i, "10.2." + (i / 256) + "." + (i % 256));
    }
    assertThat(java.util.Arrays.stream(guard.sizes()).max().orElseThrow()).isLessThanOrEqualTo(100);
    // What it still remembers works as before: the latest name's place, the latest address's failures.
    assertThat(guard.admit("name9999", "10.2.39.15")).isEqualTo(Verdict.FAMILIAR);
  }
}
